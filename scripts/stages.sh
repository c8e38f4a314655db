# Sourced by scripts/test-all.sh and scripts/test-long.sh: `log STAGE` starts a stage, first
# printing how long the one before it took (the README's table of stages uses them).
stage_started=$SECONDS
log() {
  printf '\n(%d s)\n==> %s\n' "$((SECONDS - stage_started))" "$*"
  stage_started=$SECONDS
}
