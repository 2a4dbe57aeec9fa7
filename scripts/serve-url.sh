# serve-url.sh: sourced by the shell tests and benchmarks that start `fa-learn serve` on a
# free port (--port 0). serve_url FOLDER VARIABLE COMMAND... starts COMMAND in the background
# with its standard output through a FIFO in FOLDER that this shell keeps open, sets
# server_pid, then reads the server's first line, the URL it serves: the event itself, waited
# for by a blocking read that ends when the line comes, when the server exits, or after
# 30 seconds. VARIABLE gets the URL without its final slash, or stays empty when no URL came
# (the caller reports it, with the server's standard error, which it redirected itself).
serve_url() {
    local folder=$1 variable=$2 fifo line=
    shift 2
    fifo=$(mktemp -u "$folder/serve-XXXXXX")
    mkfifo "$fifo"
    "$@" >"$fifo" &
    server_pid=$!
    # Later output stays in the pipe while this shell lives: the server never writes to a
    # closed pipe. Opening waits for the server's side, which its redirection opens at once.
    exec {serve_fd}<"$fifo"
    rm -f "$fifo"
    IFS= read -r -t 30 line <&"$serve_fd" || true
    printf -v "$variable" '%s' "$(sed -nE 's|^fa-learn: serving (http://[^ ]+)/$|\1|p' <<<"$line")"
}
