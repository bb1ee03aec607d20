#!/usr/bin/env python3
"""Summarises a multi-seed protocol folder (see multi_seed.sh): per checkpoint kind, the mean,
standard deviation and range of every test metric over the seeds, beside the ensemble of the
same seeds. Writes FOLDER/summary.json and prints a Markdown table."""
import glob
import json
import os
import statistics
import sys

METRICS = [
    ("accuracy", "accuracy", 100), ("recall", "recall", 100), ("specificity", "specificity", 100),
    ("rocAUC", "ROC AUC", 1), ("f1", "F1", 1), ("ece_raw", "ECE raw", 1), ("ece", "ECE calibrated", 1),
    ("brier", "Brier", 1),
]


def figures(path):
    with open(path) as handle:
        result = json.load(handle)
    metrics = result["binary"]["metrics"]
    row = {key: metrics.get(key) for key, _, _ in METRICS if key in metrics}
    calibration = result.get("calibration")
    if calibration:
        row["ece"] = calibration["reported"]["expectedCalibrationError"]
        row["ece_raw"] = calibration["uncalibrated"]["expectedCalibrationError"]
        row["brier"] = calibration["reported"]["brierScore"]
    return row


def operating_points(path):
    with open(path) as handle:
        result = json.load(handle)
    for point in result.get("operatingPoints") or []:
        strategy = point["choice"]["strategy"]
        if isinstance(strategy, dict):
            rule = strategy.get("method", "?") + (f" {strategy['value']}" if "value" in strategy else "")
        else:
            rule = str(strategy)
        yield rule, point.get("sensitivity"), point.get("specificity")


def cell(values, scale):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    digits = 1 if scale == 100 else 3
    mean = statistics.mean(values) * scale
    spread = statistics.stdev(values) * scale if len(values) > 1 else 0.0
    low, high = min(values) * scale, max(values) * scale
    return f"{mean:.{digits}f} ± {spread:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def single(value, scale):
    if value is None:
        return "n/a"
    return f"{value * scale:.{1 if scale == 100 else 3}f}"


def main(folder):
    summary = {}
    lines = ["| checkpoints | " + " | ".join(name for _, name, _ in METRICS) + " |",
             "|---|" + "---|" * len(METRICS)]
    for kind in ("best", "averaged"):
        paths = sorted(glob.glob(os.path.join(folder, "seed-*", f"evaluation-{kind}", "evaluation.json")))
        if not paths:
            continue
        rows = [figures(path) for path in paths]
        summary[kind] = {"seeds": len(rows), "per_seed": rows}
        lines.append(f"| {kind}, {len(rows)} seeds: mean ± sd (range) | "
                     + " | ".join(cell([r.get(key) for r in rows], scale) for key, _, scale in METRICS) + " |")
        ensemble = os.path.join(folder, f"evaluation-ensemble-{kind}", "evaluation.json")
        if os.path.exists(ensemble):
            row = figures(ensemble)
            summary[f"ensemble-{kind}"] = row
            lines.append(f"| ensemble of the {len(rows)} {kind} | "
                         + " | ".join(single(row.get(key), scale) for key, _, scale in METRICS) + " |")
    if not summary:
        sys.exit(f"multi_seed_summary: no evaluation.json under {folder}/seed-*/evaluation-*/")
    lines += ["", "Operating points chosen on validation, applied to test (mean ± sd over the seeds; ensemble):", "",
              "| checkpoints | operating point | test sensitivity | test specificity |", "|---|---|---|---|"]
    for kind in ("best", "averaged"):
        points = {}
        for path in sorted(glob.glob(os.path.join(folder, "seed-*", f"evaluation-{kind}", "evaluation.json"))):
            for rule, sensitivity, specificity in operating_points(path):
                points.setdefault(rule, []).append((sensitivity, specificity))
        ensemble = os.path.join(folder, f"evaluation-ensemble-{kind}", "evaluation.json")
        ensemble_points = {rule: (se, sp) for rule, se, sp in operating_points(ensemble)} if os.path.exists(ensemble) else {}
        for rule, values in points.items():
            lines.append(f"| {kind} | {rule} | {cell([v[0] for v in values], 100)} | {cell([v[1] for v in values], 100)} |")
            if rule in ensemble_points:
                se, sp = ensemble_points[rule]
                lines.append(f"| ensemble of the {kind} | {rule} | {single(se, 100)} | {single(sp, 100)} |")
    with open(os.path.join(folder, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=2, sort_keys=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/multi-seed")
