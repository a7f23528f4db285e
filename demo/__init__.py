"""The demo company (`manage.py seed_demo`): the top of the stack, so it may call every
app's demo seeding while the core package and the apps know nothing of it."""
