"""The figures of `make bench`: medians and spreads over rounds (statistics),
the Markdown tables of docs/performance.md, and one SVG chart per key."""

import os
import re
import statistics

ALGS = ("RS256", "ES256", "EdDSA")
ROWS = ("hit", "shmcb hit", "redis hit", "shmcb shared", "redis shared", "miss")
HITS = ROWS[:-1]
STORM_NAMES = {"mem": "in-process", "shmcb": "shmcb"}


def speed_result(text):
    """(signatures, seconds) from `openssl speed`'s "Doing ..." line of
    the signing operation."""
    m = re.search(r"^Doing .*?(?:sign|private).*?: (\d+) .*? in ([0-9.]+)s", text, re.M)
    if not m or int(m.group(1)) == 0:
        raise SystemExit("bench: no signing result from openssl speed:\n" + text)
    return int(m.group(1)), float(m.group(2))


def spread(values, fmt="{:.3f}"):
    """'median (min-max)' of values."""
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def ratios(results, alg, row):
    """Per round: CPU per request and req/s of the row over its baseline."""
    rounds = results["pairs"][f"{alg} {row}"]
    cpu = [r["row"]["cpu_us"] / r["base"]["cpu_us"] for r in rounds]
    rps = [r["row"]["rps"] / r["base"]["rps"] for r in rounds]
    return cpu, rps


def miss_extra(results, alg):
    """Per round: what a miss adds to a request's CPU over plain-header,
    in microseconds."""
    return [r["row"]["cpu_us"] - r["base"]["cpu_us"] for r in results["pairs"][f"{alg} miss"]]


def tables(results):
    med = statistics.median
    out = []
    m = results["machine"]
    out.append(f"{m['cpus']} CPUs, {m['model']}; load average {m['loadavg_before']} before,"
               f" {m.get('loadavg_after', '?')} after; {results['rounds']} rounds of"
               f" {results['seconds']} s per row, wrk -t1 -c{results['conns']};"
               f" {results['minutes']:.1f} minutes.\n")
    out.append("Each row beside its baseline at the same moment (plain-basic, or plain-header"
               " for miss), median of the rounds and their range in brackets:\n")
    out.append("| key | row | req/s | CPU us/req | p99 ms | failed | baseline req/s |"
               " baseline CPU us/req | req/s / baseline | CPU/req / baseline |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for alg in ALGS:
        for row in ROWS:
            rounds = results["pairs"][f"{alg} {row}"]
            cpu, rps = ratios(results, alg, row)
            out.append(
                f"| {alg} | {row} | {med(r['row']['rps'] for r in rounds):.0f}"
                f" | {med(r['row']['cpu_us'] for r in rounds):.1f}"
                f" | {med(r['row']['p99'] for r in rounds):.2f}"
                f" | {sum(r['row']['failed'] + r['base']['failed'] for r in rounds)}"
                f" | {med(r['base']['rps'] for r in rounds):.0f}"
                f" | {med(r['base']['cpu_us'] for r in rounds):.1f}"
                f" | {spread(rps)} | {spread(cpu)} |")
    out.append("\nThe shared-cache rows against the in-process hit (their medians over"
               " hit's, each against its own baseline): req/s, then CPU per request:\n")
    out.append("| key | " + " | ".join(HITS[1:]) + " |")
    out.append("|---|" + "---:|" * len(HITS[1:]))
    for alg in ALGS:
        hc, hr = (med(v) for v in ratios(results, alg, "hit"))
        cells = []
        for row in HITS[1:]:
            c, r = (med(v) for v in ratios(results, alg, row))
            cells.append(f"{r / hr:.3f}, {c / hc:.3f}")
        out.append(f"| {alg} | " + " | ".join(cells) + " |")
    out.append("\nThe miss row in CPU time: what a signature adds to a request, beside the"
               " signature alone (`openssl speed` on the same CPU):\n")
    out.append("| key | signature (openssl speed) | miss CPU/req - plain-header | that / signature |")
    out.append("|---|---:|---:|---:|")
    for alg in ALGS:
        extra = miss_extra(results, alg)
        sig = results["speed"][alg]
        out.append(f"| {alg} | {sig:.1f} us | {spread(extra, '{:.1f}')} us"
                   f" | {spread([e / sig for e in extra], '{:.2f}')} |")
    c = results.get("count") or {}
    if c:
        out.append("\nInstructions per request under callgrind (user space, one process, httpd -X),"
                   " and per signature of `openssl speed`; the judged figure for the miss path:\n")
        out.append("| key | plain-basic | hit | hit extra | plain-header | miss | signature |"
                   " miss extra / signature |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for alg in ALGS:
            g = {row: c[f"{alg} {row}"] for row in
                 ("plain-basic", "hit", "plain-header", "miss", "signature")}
            out.append(f"| {alg} | {g['plain-basic']} | {g['hit']} | {g['hit'] - g['plain-basic']}"
                       f" | {g['plain-header']} | {g['miss']} | {g['signature']}"
                       f" | {(g['miss'] - g['plain-header']) / g['signature']:.3f} |")
    if c and f"{ALGS[0]} shmcb hit" in c:
        out.append("\nA hit with a shared cache, in instructions per request under callgrind"
                   " (one process, the same users repeated): behind the in-process layer"
                   " (shmcb, redis), and from the shared layer alone"
                   " (TeleportJWTCacheSize 1); each over the in-process hit:\n")
        out.append("| key | hit | shmcb hit | redis hit | shmcb shared | redis shared |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for alg in ALGS:
            h = c[f"{alg} hit"]
            cells = [f"{c[f'{alg} {k} hit']} ({c[f'{alg} {k} hit'] / h:.3f})"
                     for k in ("shmcb", "redis", "shmcb1", "redis1")]
            out.append(f"| {alg} | {h} | " + " | ".join(cells) + " |")
    out.append(f"\nThe storm: {results['storm_users']} users (Basic auth) with"
               f" TeleportJWTLifetime {results['storm_lifetime']}s, wrk -c{results['storm_conns']}:"
               " their tokens made together, then their hits, then their refresh:\n")
    out.append("| key | TeleportJWTCache | made: signatures | made: p99 ms | hits: req/s | hits: p99 ms |"
               " refresh: signatures | refresh: req/s | refresh: p99 ms |"
               " refresh p99 / hits p99 | failed |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, s in results["storm"].items():
        alg, kind = key.split()
        out.append(f"| {alg} | {STORM_NAMES[kind]} | {s['made']['signed']} | {s['made']['p99']:.2f}"
                   f" | {s['hits']['rps']:.0f} | {s['hits']['p99']:.2f}"
                   f" | {s['refresh']['signed']} | {s['refresh']['rps']:.0f}"
                   f" | {s['refresh']['p99']:.2f} | {storm_ratio(s):.2f}"
                   f" | {sum(p['failed'] for p in s.values())} |")
    within = [k for k, s in results["storm"].items() if storm_ratio(s) <= 2]
    beyond = [k for k in results["storm"] if k not in within]
    out.append("\nRefresh p99 within 2x of the hits' p99: "
               + (", ".join(within) or "none") + (f"; beyond: {', '.join(beyond)}" if beyond else "")
               + ". (Reported, not asserted: timing on a shared machine.)")
    out.append("\nSignatures per identity under concurrency: requests for one new identity sent"
               " together on connections spread over the front's two processes (RS256),"
               " from the module's counters (server-status):\n")
    out.append("| TeleportJWTCache | identities | requests at once | signatures | per identity"
               " | waited for another's | failed |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    names = {"mem": "(default: in-process)", "shmcb": "shmcb", "redis": "redis"}
    for f in results["flight"]:
        out.append(f"| {names[f['kind']]} | {f['identities']} | {f['concurrent']} | {f['signed']}"
                   f" | {f['per_identity']:.2f} | {f['awaited']} | {f['failed']} |")
    return "\n".join(out) + "\n"


def storm_ratio(s):
    return s["refresh"]["p99"] / s["hits"]["p99"]


def charts(results, directory):
    """docs/perf-<key>.svg: each row's CPU-per-request ratio to its
    baseline, every round a dot, the median a bar with the range."""
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "tjwt-bench"
    import matplotlib.pyplot as plt

    paths = []
    for alg in ALGS:
        fig, (ax1, ax2, ax3) = plt.subplots(
            1, 3, figsize=(10, 3.6), gridspec_kw={"width_ratios": [5, 1, 1]})
        for ax, rows in ((ax1, HITS), (ax2, ("miss",))):
            for i, row in enumerate(rows):
                cpu, rps = ratios(results, alg, row)
                for j, (vals, color, label) in enumerate(((cpu, "tab:blue", "CPU/request"),
                                                          (rps, "tab:orange", "req/s"))):
                    x = i + (j - 0.5) * 0.3
                    med = statistics.median(vals)
                    ax.bar(x, med, width=0.28, color=color, alpha=0.35,
                           label=label if i == 0 else None)
                    ax.errorbar(x, med, yerr=[[med - min(vals)], [max(vals) - med]],
                                color=color, capsize=4, fmt="none")
                    ax.plot([x] * len(vals), vals, "o", color=color, markersize=3)
            ax.set_xticks(range(len(rows)))
            ax.set_xticklabels([r.replace(" ", "\n") for r in rows], fontsize=8)
            ax.axhline(1.0, color="grey", linewidth=0.8)
        seen = [v for row in HITS for v in sum(ratios(results, alg, row), [])]
        ax1.set_ylim(min(0.8, min(seen) - 0.02), max(1.2, max(seen) + 0.02))
        ax1.set_ylabel("ratio to plain mod_proxy")
        ax1.set_title(f"{alg}: cache hits", fontsize=10)
        ax1.legend(fontsize=8, loc="upper left")
        ax2.set_title("miss (sign)", fontsize=10)
        ax2.set_ylim(bottom=0)
        storms = [(STORM_NAMES[k.split()[1]], storm_ratio(s))
                  for k, s in results["storm"].items() if k.split()[0] == alg]
        ax3.bar(range(len(storms)), [v for _, v in storms], width=0.5, color="tab:red", alpha=0.5)
        ax3.axhline(2.0, color="tab:red", linewidth=0.8, linestyle="--")
        ax3.axhline(1.0, color="grey", linewidth=0.8)
        ax3.set_xticks(range(len(storms)))
        ax3.set_xticklabels([n for n, _ in storms], fontsize=8)
        ax3.set_ylim(0, max([2.5] + [v * 1.2 for _, v in storms]))
        ax3.set_title("storm p99 / hits p99", fontsize=10)
        fig.tight_layout()
        path = os.path.join(directory, f"perf-{alg.lower()}.svg")
        fig.savefig(path, format="svg", metadata={"Date": None})
        plt.close(fig)
        paths.append(path)
    return paths
