#!/usr/bin/python3
# Draws a plot from a sweep's results.csv (what `ddisim plot` runs; see
# docs/guide-sweeps.md). Needs matplotlib from Debian (python3-matplotlib,
# installed by scripts/setup.sh); run it with /usr/bin/python3, since a
# python3 earlier on PATH (pyenv, venv) may lack matplotlib.
#
#   plot.py results.csv --x KEY --y METRIC [--y METRIC2 …] [--series KEY]
#           [--logx] [--logy] [--title TEXT] -o plot.png|svg|pdf
#
# One line with markers per --y metric and per value of --series, points in
# increasing x. Values with units ("4KiB", "10us", "1.5GHz", "12Gb/s") are
# converted to one unit per axis, which the axis label names; a column that is
# not numeric is drawn as categories in the order of first appearance. Rows
# whose status is not ok/errors (failed or not run) and empty cells are
# skipped. Exit status 2 with a message on a bad column or no data.
import argparse
import csv
import re
import sys

SIZE = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
        "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
TIME = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}
FREQ = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9, "THz": 1e12}
RATE = {"b/s": 1.0, "kb/s": 1e3, "Mb/s": 1e6, "Gb/s": 1e9, "Tb/s": 1e12,
        "bps": 1.0, "kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9, "Tbps": 1e12}
# (units table, unit of the converted values)
FAMILIES = [(SIZE, "B"), (TIME, "ns"), (FREQ, "Hz"), (RATE, "b/s")]
NUM_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-zµ/]+)\s*$")

# Units read from metric names: suffix -> unit (the suffix of the name, or a
# component of a dotted name such as traffic.tgen0.latency_ns.p99).
NAME_UNITS = [("_bytes_per_s", "B/s"), ("_per_s", "1/s"), ("_ns", "ns"), ("_ps", "ps"), ("_us", "µs"),
              ("_bytes", "B"), ("bytes", "B"), ("_hz", "Hz")]


def fail(msg):
    print("ddisim plot: " + msg, file=sys.stderr)
    sys.exit(2)


def to_numbers(cells):
    """Converts one column's cells; returns (values, unit, numeric)."""
    try:
        return [float(c) for c in cells], "", True
    except ValueError:
        pass
    for table, unit in FAMILIES:
        out = []
        for c in cells:
            m = NUM_UNIT.match(c)
            if not m or m.group(2) not in table:
                break
            out.append(float(m.group(1)) * table[m.group(2)])
        else:
            return out, unit, True
    return cells, "", False


def unit_of_name(name):
    for part in reversed(name.split(".")):
        for suffix, unit in NAME_UNITS:
            if part.endswith(suffix):
                return unit
    return ""


def label(name, unit):
    return f"{name} [{unit}]" if unit else name


def main():
    ap = argparse.ArgumentParser(prog="ddisim plot", description="plot a sweep's results.csv")
    ap.add_argument("csv")
    ap.add_argument("--x", required=True)
    ap.add_argument("--y", required=True, action="append")
    ap.add_argument("--series")
    ap.add_argument("--logx", action="store_true")
    ap.add_argument("--logy", action="store_true")
    ap.add_argument("--title")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()

    fmt = a.output.rsplit(".", 1)[-1].lower() if "." in a.output else ""
    if fmt not in ("png", "svg", "pdf"):
        fail(f"-o {a.output}: the file name must end in .png, .svg or .pdf")
    try:
        with open(a.csv, newline="") as f:
            rows = list(csv.DictReader(f))
            columns = rows[0].keys() if rows else []
    except OSError as e:
        fail(f"{a.csv}: {e.strerror}")
    for col in [a.x] + a.y + ([a.series] if a.series else []):
        if col not in columns:
            fail(f"{a.csv} has no column '{col}' (columns: {', '.join(columns)})")
    if "status" in columns:
        rows = [r for r in rows if r["status"] in ("ok", "errors")]

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is missing: install python3-matplotlib (scripts/setup.sh does) and use /usr/bin/python3")
    matplotlib.rcParams["svg.hashsalt"] = "ddisim"  # reproducible SVG ids

    series_values = []
    for r in rows:
        s = r[a.series] if a.series else ""
        if s not in series_values:
            series_values.append(s)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    xunit_seen = ""
    yunits = set()
    categories = None
    all_x = set()
    drawn = 0
    for y in a.y:
        for s in series_values:
            sel = [r for r in rows if (not a.series or r[a.series] == s) and r[a.x] != "" and r[y] != ""]
            if not sel:
                continue
            xs, xunit, xnum = to_numbers([r[a.x] for r in sel])
            ys, yunit, ynum = to_numbers([r[y] for r in sel])
            if not ynum:
                fail(f"column '{y}' is not numeric (first value '{sel[0][y]}')")
            yunits.add(yunit or unit_of_name(y))
            if xnum:
                all_x.update(xs)
                pts = sorted(zip(xs, ys))
                xs, ys = [p[0] for p in pts], [p[1] for p in pts]
                xunit_seen = xunit
            else:
                if categories is None:
                    categories = []
                    for r in rows:
                        if r[a.x] not in categories:
                            categories.append(r[a.x])
                xs = [categories.index(v) for v in xs]
            name = []
            if len(a.y) > 1:
                name.append(y)
            if a.series:
                name.append(f"{a.series}={s}")
            ax.plot(xs, ys, marker="o", label=", ".join(name) if name else None)
            drawn += 1
    if not drawn:
        fail(f"no data to plot in {a.csv} (no finished point has both '{a.x}' and the y column)")
    if categories is not None:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories)
    ax.set_xlabel(label(a.x, xunit_seen or unit_of_name(a.x)))
    yunit = yunits.pop() if len(yunits) == 1 else ""
    ax.set_ylabel(label(a.y[0] if len(a.y) == 1 else ", ".join(a.y), yunit))
    if a.logx:
        if categories is not None:
            fail("--logx needs a numeric x column")
        ax.set_xscale("log")
        # A few swept values: tick exactly those, as plain numbers.
        if len(all_x) <= 12:
            from matplotlib.ticker import FuncFormatter, NullFormatter
            ax.set_xticks(sorted(all_x))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
    if a.logy:
        ax.set_yscale("log")
    if a.title:
        ax.set_title(a.title)
    if drawn > 1 or a.series:
        ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    # No dates in the files: the same results.csv gives the same SVG/PDF.
    meta = {"png": {"Software": "ddisim plot"}, "svg": {"Date": None},
            "pdf": {"Creator": "ddisim plot", "CreationDate": None}}[fmt]
    fig.savefig(a.output, format=fmt, metadata=meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
