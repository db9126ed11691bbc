#!/usr/bin/env bash
# Screenshots of the memloc main window under Xvfb, one per view, for a person to look at.
# usage: tests/ui/screenshots.sh BUILD_DIR RUN.h5 OUT_DIR   (needs xvfb-run and imagemagick)
# writes OUT_DIR/gui-<view>.png for each view (or only the views in $MEMLOC_SHOT_VIEWS).
set -euo pipefail
build=$(realpath "$1"); run=$(realpath "$2"); out=$3
mkdir -p "$out"; out=$(realpath "$out")
for view in ${MEMLOC_SHOT_VIEWS:-training gradients rewinding retraining neurons examples dropout}; do
  settings=$(mktemp -d)  # fresh QSettings: default geometry, no remembered docks
  xvfb-run -a -s "-screen 0 1600x1000x24" env XDG_CONFIG_HOME="$settings" bash -c '
    "$1/app/gui/memloc" --view "$2" "$3" & pid=$!
    sleep "${MEMLOC_SHOT_DELAY:-4}"
    import -window root "$4"
    kill "$pid"; wait "$pid" 2>/dev/null || true' _ "$build" "$view" "$run" "$out/gui-$view.png"
  rm -rf "$settings"
  echo "$out/gui-$view.png"
done
