//! `tempo-light`: the native command line. A thin shell over the `no_std` core: it reads
//! files, parses arguments and prints; every decision is the library's.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
