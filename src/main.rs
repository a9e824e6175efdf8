fn main() -> std::process::ExitCode {
    celtool::main()
}
