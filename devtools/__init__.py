"""Development tools: `seed_scale`, `benchmark_*`, `loadtest_calls` and `/bench/bare`.

Installed only where `settings.DEVTOOLS` is on (DEBUG, or SMARKETING_DEVTOOLS=1) and in the
test settings. It sits above every app and may import any of them; nothing imports it.
"""

# The true floor of the page benchmark, served by devtools.wsgi (no middleware, no database).
FLOOR_PATH = "/bench/floor"
