#!/usr/bin/env bash
# Draws the dashboard's main panels as one PNG from the data PrometheusIT scraped from a real mount
# (Grafana is not packaged on Debian; this stands in for a screenshot in docs/operations.md).
#
#   mvn -B -o verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=PrometheusIT
#   ops/prometheus/plot-panels.sh [target/prometheus-panels] [docs/dashboard-panels.png]
#
# Needs gnuplot (Debian: gnuplot-nox).
set -euo pipefail
data="${1:-target/prometheus-panels}"
out="${2:-docs/dashboard-panels.png}"
command -v gnuplot >/dev/null || { echo "gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
for f in fuse-calls throughput backlog outbox-packs drain-eta restore-point-age memory; do
  [ -s "$data/$f.tsv" ] || { echo "$data/$f.tsv is missing: run PrometheusIT first" >&2; exit 1; }
done

gnuplot <<GNUPLOT
set terminal pngcairo size 1500,900 font "sans,10"
set output "$out"
set datafile separator "\t"
set key top right autotitle columnheader
set grid
set xlabel "seconds"
set multiplot layout 2,3 title "tgcryptfs dashboard, main panels: one PrometheusIT run (Prometheus 2.42 scraping a mount every 1 s)"
set title "FUSE calls per second by op"
plot for [i=0:*] "$data/fuse-calls.tsv" index i using 1:2 with lines lw 2
set title "Upload throughput (MiB/s; uplink throttled to 4 MiB/s)"
plot "$data/throughput.tsv" using 1:2 with lines lw 2 title "upload"
set title "Outbox: MiB and packs waiting for upload"
plot "$data/backlog.tsv" using 1:2 with lines lw 2 title "outbox MiB", \
     "$data/outbox-packs.tsv" using 1:2 with lines lw 2 title "packs waiting"
set title "Outbox drain ETA (s): outbox bytes / upload rate"
plot "$data/drain-eta.tsv" using 1:2 with lines lw 2 title "ETA"
set title "Newest restore point age (s)"
plot "$data/restore-point-age.tsv" using 1:2 with lines lw 2 title "age"
set title "Mount process resident memory (MiB)"
plot "$data/memory.tsv" using 1:2 with lines lw 2 title "resident"
unset multiplot
GNUPLOT
echo "wrote $out"
