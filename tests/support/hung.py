"""A TCP server that accepts connections and never answers: a hung PostgreSQL or Redis."""

import contextlib
import socket
import threading


@contextlib.contextmanager
def hung_server():
    """Yield the port of a server that accepts every connection, reads nothing and
    answers nothing, until the block ends."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    accepted = []
    stop = threading.Event()

    def accept_forever():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept_forever, name="hung-server", daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        server.close()
