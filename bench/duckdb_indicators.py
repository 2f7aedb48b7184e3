"""DuckDB side of the indicator benchmark (docs/PERFORMANCE.md): p90 response time by
centre x month, nearest rank, over the same stored Parquet files, warm.

Usage: python3 bench/duckdb_indicators.py DATA_DIR FROM(yyyymm) TO(yyyymm) RUNS OUT.csv
"""
import sqlite3
import statistics
import sys
import time

import duckdb

data, lo, hi, runs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
cat = sqlite3.connect(f"file:{data}/catalog.sqlite?mode=ro", uri=True)
dirs = [r[0] for r in cat.execute(
    "SELECT store_dir FROM submissions WHERE status='accepted' AND superseded_at IS NULL AND store_dir IS NOT NULL")]
files = [f"{data}/store/{d}/incidents.parquet" for d in dirs]

# The same population as akutt-indicators: reported red incidents, not pre-booked, not
# misdials, with a road mission; nearest rank ceil(9n/10) over the non-negative times.
POP = f"""
  SELECT centre, t0_month, response_s FROM read_parquet({files!r})
  WHERE urgency = 'R' AND NOT prebooked AND hendelsestype IS DISTINCT FROM 'FEIL'
    AND n_road_missions > 0 AND NOT (first_channel = 'LV' AND n_ambulance_actions = 0)
    AND t0_month BETWEEN {lo} AND {hi}
"""
QUERY = """
  SELECT centre, t0_month AS month, count(*) AS n,
         list_sort(list(response_s))[CAST((9 * count(*) + 9) // 10 AS INTEGER)] AS p90_s
  FROM ({src}) WHERE response_s >= 0 GROUP BY 1, 2 ORDER BY 1, 2
"""


def timed(con, sql):
    con.execute(sql).fetchall()  # warm-up
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        rows = con.execute(sql).fetchall()
        ts.append((time.perf_counter() - t) * 1000)
    return rows, ts


con = duckdb.connect()
rows, ts_parquet = timed(con, QUERY.format(src=POP))
t = time.perf_counter()
con.execute(f"CREATE TABLE inc AS SELECT centre, t0_month, urgency, prebooked, hendelsestype, n_road_missions, "
            f"first_channel, n_ambulance_actions, response_s FROM read_parquet({files!r})")
load = time.perf_counter() - t
rows_mem, ts_mem = timed(con, QUERY.format(src=POP.replace(f"read_parquet({files!r})", "inc")))
assert rows == rows_mem
with open(out, "w") as f:
    f.write("centre,month,n,p90_s\n")
    for r in rows:
        f.write(f"{r[0]},{r[1]},{r[2]},{r[3]}\n")
print(f"duckdb {duckdb.__version__}: {len(files)} files, {len(rows)} groups; over Parquet: warm median "
      f"{statistics.median(ts_parquet):.1f} ms, min {min(ts_parquet):.1f} ms; in-memory table (load {load:.2f} s): "
      f"warm median {statistics.median(ts_mem):.1f} ms, min {min(ts_mem):.1f} ms ({runs} runs)")
