#!/usr/bin/env bash
# Screenshots of the memloc main window under Xvfb, one per view, for a person to look at.
# usage: tests/ui/screenshots.sh BUILD_DIR RUN.h5|EXPERIMENT_FOLDER OUT_DIR
#   (needs xvfb-run and imagemagick; an experiment folder also needs xdotool)
# writes OUT_DIR/gui-<view>.png for each view (or only the views in $MEMLOC_SHOT_VIEWS); for an
# experiment folder, OUT_DIR/compare-<page>.png of the Compare window, one per page.
set -euo pipefail
build=$(realpath "$1"); run=$(realpath "$2"); out=$3
mkdir -p "$out"; out=$(realpath "$out")
if [ -d "$run" ]; then
  default_views="compare-curves compare-rewinding compare-flipping compare-retraining compare-dropout"
else
  default_views="training gradients rewinding retraining neurons examples dropout"
fi
for view in ${MEMLOC_SHOT_VIEWS:-$default_views}; do
  settings=$(mktemp -d)  # fresh QSettings: default geometry, no remembered docks
  shot="$out/gui-$view.png"; [ -d "$run" ] && shot="$out/$view.png"
  xvfb-run -a -s "-screen 0 1600x1000x24" env XDG_CONFIG_HOME="$settings" bash -c '
    "$1/app/gui/memloc" --view "$2" "$3" & pid=$!
    sleep "${MEMLOC_SHOT_DELAY:-4}"
    window=root
    if [ -d "$3" ]; then window=$(xdotool search --name "^Compare " | head -1); fi
    import -window "$window" "$4"
    kill "$pid"; wait "$pid" 2>/dev/null || true' _ "$build" "$view" "$run" "$shot"
  rm -rf "$settings"
  echo "$shot"
done
