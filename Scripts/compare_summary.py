#!/usr/bin/env python3
"""Prints the Markdown table of Scripts/compare_models.sh from the run folders it wrote.

    python3 Scripts/compare_summary.py DIR MODEL...

Reads DIR/MODEL/evaluation/evaluation.json, DIR/MODEL/options.json and
DIR/MODEL/train-seconds. Standard library only.
"""
import json
import os
import sys


def minutes(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}m {seconds % 60:02d}s"


def interval(figures, name, scale=100.0, digits=1):
    value = figures["metrics"][name] * scale
    bounds = figures["intervals"].get(name)
    if not bounds:
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} ({bounds['lower'] * scale:.{digits}f}–{bounds['upper'] * scale:.{digits}f})"


def row(folder, model):
    run = os.path.join(folder, model)
    path = os.path.join(run, "evaluation", "evaluation.json")
    if not os.path.exists(path):
        return f"| {model} | not evaluated | | | | | | | |"
    evaluation = json.load(open(path))
    figures = evaluation["binary"]
    metrics = figures["metrics"]
    options = json.load(open(os.path.join(run, "options.json")))["options"]
    seconds_file = os.path.join(run, "train-seconds")
    wall = minutes(float(open(seconds_file).read())) if os.path.exists(seconds_file) else "?"
    settings = f"{options['optimizer']} {options['learning_rate']:g}, batch {options['batch_size']}, {options['epochs']} epochs"
    return (f"| {model} | {settings} | {interval(figures, 'accuracy')} | {interval(figures, 'recall')} | "
            f"{metrics['specificity'] * 100:.1f} | {metrics['f1']:.3f} | {interval(figures, 'rocAUC', 1, 3)} | "
            f"{metrics['threshold']:.3f} | {wall} |")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    folder, models = sys.argv[1], sys.argv[2:]
    print("| model | training | accuracy % (95% CI) | recall % (95% CI) | specificity % | F1 | ROC AUC (95% CI) | threshold | training wall time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model in models:
        print(row(folder, model))


if __name__ == "__main__":
    main()
