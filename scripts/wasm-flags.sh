# Sourced: the RUSTFLAGS of the npm package's wasm builds (scripts/build-pkg.sh), also taken by
# every other wasm-release build that should share its compiled crates (test-all.sh's
# blst-check): Cargo compiles everything again under other RUSTFLAGS.
#
# Panic locations name their source files; the paths of the registry's crates and of this
# checkout are shortened (a few hundred bytes gzipped, and a module that does not depend on
# where it was built). std's own paths come precompiled and stay as they are.
cargo fetch --locked --quiet # the registry's sources are where the loop below finds them
remap="--remap-path-prefix=$(pwd)=t --remap-path-prefix=$(rustc --print sysroot)/lib/rustlib/src/rust=s"
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [ -d "$dir" ] && remap="$remap --remap-path-prefix=${dir%/}=r"
done
export RUSTFLAGS="${RUSTFLAGS:-} $remap"
unset remap
