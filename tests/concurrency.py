"""Running functions at the same moment in threads, each on its own database connection."""

import threading

from django.db import connection


def run_together(functions, *, join_timeout: float = 60):
    """Run the functions in threads released at the same moment, each on its own connection;
    return their results or the exceptions they raised, in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as error:  # collected and asserted on by the test
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    return results
