//! The `commonplace` command: see `commonplace --help`.

fn main() -> std::process::ExitCode {
    commonplace::cli::main()
}
