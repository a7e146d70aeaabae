from ledger.services import record


def append(count: int, *, subject: str = "thing:1", actor: str = "system:test") -> list:
    return [
        record(actor=actor, action="thing.touched", subject=subject, data={"n": n})
        for n in range(count)
    ]
