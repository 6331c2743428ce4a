"""pytest plugin (scripts/run-e2e loads it with -p hostile_report): after
the run, one line saying how many hostile-input and fault cases ran, i.e.
test ids carrying "hostile-" (parametrize ids) or test names holding
"_hostile_"."""


def _hostile(nodeid):
    return "[hostile-" in nodeid or "::test_hostile_" in nodeid or "-hostile-" in nodeid


def pytest_terminal_summary(terminalreporter):
    counts = {}
    for outcome in ("passed", "failed", "error", "xfailed", "xpassed", "skipped"):
        for rep in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(rep, "nodeid", "")
            if _hostile(nodeid) and getattr(rep, "when", "call") in ("call", "setup"):
                if outcome in ("error", "skipped") or rep.when == "call":
                    counts[outcome] = counts.get(outcome, 0) + 1
    ran = sum(v for k, v in counts.items() if k != "skipped")
    detail = ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))
    terminalreporter.write_line("hostile: %d cases ran (%s)" % (ran, detail or "none"))
