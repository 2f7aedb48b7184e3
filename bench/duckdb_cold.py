"""DuckDB side of the cold benchmark (bench/cold.sh, docs/PERFORMANCE.md): one question in a
fresh Python process over the stored Parquet files of the current version, the same
population rules and nearest-rank percentiles as akutt-indicators (DOMAIN.md §8).

Usage: python3 bench/duckdb_cold.py DATA_DIR FROM(yyyymm) TO(yyyymm) BY(centre|centre,month) OUT.csv
Prints the seconds from process start to the answer written.
"""
import sqlite3
import sys
import time

t0 = time.perf_counter()
import duckdb  # noqa: E402  (the import is part of a cold start)

data, lo, hi, by, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
cat = sqlite3.connect(f"file:{data}/catalog.sqlite?mode=ro", uri=True)
dirs = [r[0] for r in cat.execute(
    "SELECT store_dir FROM submissions WHERE status='accepted' AND superseded_at IS NULL "
    "AND store_dir IS NOT NULL AND kind = 'amk'")]
files = [f"{data}/store/{d}/incidents.parquet" for d in dirs]
keys = "centre" if by == "centre" else "centre, t0_month"
sql = f"""
  SELECT {keys}, count(*) AS n,
         list_sort(list(response_s))[CAST((count(*) + 1) // 2 AS INTEGER)] AS median_s,
         list_sort(list(response_s))[CAST((9 * count(*) + 9) // 10 AS INTEGER)] AS p90_s
  FROM read_parquet({files!r})
  WHERE urgency = 'R' AND NOT prebooked AND hendelsestype IS DISTINCT FROM 'FEIL'
    AND n_road_missions > 0 AND NOT (first_channel = 'LV' AND n_ambulance_actions = 0)
    AND t0_month BETWEEN {lo} AND {hi} AND response_s >= 0
  GROUP BY ALL ORDER BY ALL
"""
rows = duckdb.connect().execute(sql).fetchall()
with open(out, "w") as f:
    f.write(("centre" if by == "centre" else "centre,month") + ",n,median_s,p90_s\n")
    for r in rows:
        f.write(",".join(str(x) for x in r) + "\n")
print(f"{time.perf_counter() - t0:.3f}")
