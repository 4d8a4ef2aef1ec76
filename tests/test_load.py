"""The loader: includes, entry points (files, directories, stdin, `nginx -T` dumps), bad
input, context guessing, and the rules that report loader findings (NGL009/NGL010/NGL012)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import require_nginx

from nglint.engine import Project, find_rule, lint
from nglint.load import Config, load, load_text
from nglint.load import discover
from nglint.load.discover import load_paths


def tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path → content) below ``root``; returns ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def issues(config: Config, kind: str) -> list:
    return [i for i in config.issues if i.kind == kind]


def names(config: Config) -> list[str]:
    """server_name of every server, in load order."""
    return [s.find("server_name").args[0].value for s in config.servers()]


def codes(configs: list[Config], code: str) -> list:
    rule = find_rule(code)
    assert rule is not None
    return [d for d in lint(Project(configs), [rule]) if d.code == code]


MAIN = "events {}\nhttp {\n    include %s;\n}\n"


# -- includes ---------------------------------------------------------------------------------

def test_relative_include_resolves_against_the_main_config_dir(tmp_path: Path) -> None:
    tree(tmp_path, {
        "nginx.conf": MAIN % "sites/*.conf",
        "sites/app.conf": "server { server_name app; include parts/static.conf; }\n",
        "parts/static.conf": "location /static/ { alias /srv/static/; }\n",  # beside nginx.conf: found
        "sites/parts/static.conf": "location /wrong/ {}\n",  # beside the vhost: not what nginx reads
    })
    config = load(tmp_path / "nginx.conf")
    server = config.servers()[0]
    locations = list(server.directives("location"))
    assert [loc.args[0].value for loc in locations] == ["/static/"]
    assert locations[0].file.path == tmp_path / "parts/static.conf"
    assert locations[0].parent is server
    assert not config.issues


def test_glob_includes_are_sorted_and_may_match_nothing(tmp_path: Path) -> None:
    tree(tmp_path, {
        "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n    include empty.d/*.conf;\n}\n",
        "conf.d/b.conf": "server { server_name b; }\n",
        "conf.d/a.conf": "server { server_name a; }\n",
        "conf.d/c.conf": "server { server_name c; }\n",
        "conf.d/.hidden.conf": "server { server_name hidden; }\n",  # glob(3) skips dot files
        "conf.d/d.txt": "server { server_name d; }\n",
    })
    config = load(tmp_path / "nginx.conf")
    assert names(config) == ["a", "b", "c"]
    assert not issues(config, "include-not-found")
    assert config.unmatched_includes == [str(tmp_path / "empty.d/*.conf")]


def test_prefix_moves_relative_paths_but_not_includes(tmp_path: Path) -> None:
    tree(tmp_path, {"conf/nginx.conf": MAIN % "app.conf", "conf/app.conf": "server { server_name a; }\n"})
    config = load(tmp_path / "conf/nginx.conf", prefix=tmp_path / "elsewhere")
    assert config.prefix == tmp_path / "elsewhere"  # for root/alias/log paths
    assert names(config) == ["a"]  # includes still hang off the main config's directory
    assert load(tmp_path / "conf/nginx.conf").prefix == Path("/usr/share/nginx")  # Debian's built-in


def test_file_included_twice_is_parsed_once_and_placed_twice(tmp_path: Path) -> None:
    tree(tmp_path, {
        "nginx.conf": "events {}\nhttp {\n    server { server_name a; include static.conf; }\n"
                      "    server { server_name b; include static.conf; }\n}\n",
        "static.conf": "location /static/ {\n    alias /srv/static/;\n}\n",
    })
    config = load(tmp_path / "nginx.conf")
    a, b = config.servers()
    loc_a, loc_b = a.find("location"), b.find("location")
    assert loc_a is not loc_b
    assert loc_a.parent is a and loc_b.parent is b
    assert loc_a.find("alias").parent is loc_a and loc_b.find("alias").parent is loc_b
    assert loc_a.file is loc_b.file  # one SourceFile: parsed once
    assert (loc_a.start, loc_a.end) == (loc_b.start, loc_b.end)
    assert len([f for f in config.files if f.endswith("static.conf")]) == 1
    assert a.find("include").included == [loc_a.file] == b.find("include").included
    # a rule sees both places but reports the file once
    assert len(codes([config], "NGL009")) == 0
    tree(tmp_path, {"static.conf": "location /static/ {\n    alias /srv/static/ /x/;\n}\n"})
    assert len(codes([load(tmp_path / "nginx.conf")], "NGL009")) == 1


def test_nested_includes_placed_many_times_equal_the_text_pasted_in(tmp_path: Path) -> None:
    """The effective tree equals the tree of the config with every include's files pasted
    in as text; each place has its own nodes and parents, and a block whose includes bring
    nothing keeps its parsed list as its children."""
    import re

    from nglint.load import Comment, Directive, SourceFile, parse_file

    files = {
        "nginx.conf": "events {}\nhttp {\n    include s/h.conf;  # note\n    include conf.d/*.conf;\n"
                      "    server { listen 80; include s/b.conf; location / { include s/b.conf; include s/a.conf;"
                      " root /x; } include s/none/*.conf; include s/b.conf; }\n}\n",
        "s/h.conf": "# h\ninclude s/a.conf;\nmap $a $b { default 1; }\n",
        "s/a.conf": "add_header X a;\ninclude s/b.conf;\nlocation /in-a/ { include s/b.conf; }\n",
        "s/b.conf": "proxy_set_header Host $host;\nif ($x) { return 404; }\n# trailing\n",
        **{f"conf.d/{i}.conf": f"server {{ listen 8{i}; include s/b.conf; location /l{i} {{ include s/a.conf; }} }}\n"
           for i in range(3)},
    }
    tree(tmp_path, files)
    config = load(tmp_path / "nginx.conf")
    assert not config.issues

    def paste(text: str) -> str:
        def one(m: re.Match) -> str:
            return "".join(paste(p.read_text())
                           for p in sorted(tmp_path.glob(m.group(1))))
        return re.sub(r"include (\S+);", one, text)

    pasted = paste(files["nginx.conf"])

    def shape(nodes: list) -> list:  # the include directives themselves are not in the pasted text
        return [("#", n.text) if isinstance(n, Comment) else (n.name, n.values, None if n.block is None
                else shape(n.body())) for n in nodes if n.name != "include"]

    assert shape(config.nodes) == shape(parse_file(SourceFile(Path("x"), pasted.encode(), pasted)))

    seen: set[int] = set()

    def check(nodes: list, parent: Directive | None) -> None:
        for node in nodes:
            assert id(node) not in seen  # each place has its own node
            seen.add(id(node))
            assert node.parent is parent
            if isinstance(node, Directive) and node.block is not None:
                brought = any(isinstance(c, Directive) and c.name == "include" and c.included for c in node.block)
                assert (node.children is node.block) is not brought
                check(node.children, node)

    check(config.nodes, None)
    assert len(seen) > 100


@pytest.mark.parametrize("files, where", [
    ({"nginx.conf": MAIN % "a.conf", "a.conf": "include b.conf;\n", "b.conf": "include a.conf;\n"}, ("b.conf", 1, 9)),
    ({"nginx.conf": MAIN % "conf.d/*.conf", "conf.d/x.conf": "server {}\ninclude conf.d/*.conf;\n"},
     ("conf.d/x.conf", 2, 9)),
])
def test_include_cycle_is_a_fatal_issue(tmp_path: Path, files: dict[str, str], where: tuple) -> None:
    tree(tmp_path, files)
    config = load(tmp_path / "nginx.conf")
    [cycle] = issues(config, "include-cycle")
    assert cycle.fatal
    rel, line, col = where
    assert cycle.file.path == tmp_path / rel
    assert cycle.file.line_col(cycle.offset) == (line, col)
    assert "include cycle" in cycle.message


def test_missing_include_is_a_warning_at_the_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"nginx.conf": MAIN % "sites/*.conf", "sites/app.conf": "server {\n  include  nope.conf;\n}\n"})
    config = load(tmp_path / "nginx.conf")
    [miss] = issues(config, "include-not-found")
    assert (miss.severity, miss.fatal) == ("warning", False)
    assert str(miss) == "sites/app.conf:2:12: included file nope.conf does not exist"
    [diag] = codes([config], "NGL010")
    assert (diag.line, diag.column, diag.position[3]) == (2, 12, 21)


def test_include_relative_to_the_vhost_is_explained(tmp_path: Path) -> None:
    tree(tmp_path, {"nginx.conf": MAIN % "sites/*.conf", "sites/app.conf": "server { include static.inc; }\n",
                    "sites/static.inc": "location / {}\n"})
    [miss] = issues(load(tmp_path / "nginx.conf"), "include-not-found")
    assert "sites/static.inc exists, but nginx resolves relative includes against the main config" in miss.message


def test_host_paths_map_onto_the_repo_config_dir(tmp_path: Path) -> None:
    tree(tmp_path, {
        "deploy/nginx/nginx.conf": "events {}\nhttp {\n    include /etc/nginx/mime.types;\n"
                                   "    include /etc/nginx/conf.d/*.conf;\n    include /etc/nginx/sites-enabled/*;\n}\n",
        "deploy/nginx/conf.d/app.conf": "server { server_name app; include /etc/nginx/snippets/tls.conf; }\n",
    })
    config = load(tmp_path / "deploy/nginx/nginx.conf")
    assert names(config) == ["app"]  # read from deploy/nginx/conf.d, not the host's /etc/nginx
    [note] = issues(config, "include-mapped")
    assert note.severity == "info" and not note.fatal
    assert note.file.line_col(note.offset) == (4, 13)
    # absent here, installed on the host by the nginx package: info, not a finding
    missing = {i.message.split()[2]: i.severity for i in issues(config, "include-not-found")}
    assert missing == {"/etc/nginx/mime.types": "info", "/etc/nginx/snippets/tls.conf": "info"}
    assert not codes([config], "NGL010")
    # sites-enabled/* matched nothing in the repo: remembered, not reported
    assert config.unmatched_includes == [str(tmp_path / "deploy/nginx/sites-enabled/*")]


def test_conf_root_names_another_host_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"nginx.conf": MAIN % "/opt/nginx/conf/vhosts/*.conf",
                    "vhosts/app.conf": "server { server_name app; include /opt/nginx/conf/gone.conf; }\n"})
    assert names(load(tmp_path / "nginx.conf")) == []
    config = load(tmp_path / "nginx.conf", conf_root="/opt/nginx/conf/")
    assert names(config) == ["app"]
    [miss] = issues(config, "include-not-found")
    assert miss.severity == "warning" and miss.message.endswith("(looked for gone.conf)")


def test_live_config_under_the_conf_root_reads_real_paths(tmp_path: Path) -> None:
    root = tmp_path / "etc/nginx"
    other = tmp_path / "srv"
    tree(tmp_path, {"etc/nginx/nginx.conf": MAIN % f"{root}/conf.d/*.conf",
                    "etc/nginx/conf.d/a.conf": f"server {{ server_name a; include {other}/b.conf; }}\n",
                    "srv/b.conf": "location / {}\n"})
    config = load(root / "nginx.conf", conf_root=str(root))
    assert names(config) == ["a"]
    assert not issues(config, "include-mapped")
    assert config.servers()[0].find("location") is not None


def test_template_includes_are_left_alone(tmp_path: Path) -> None:
    tree(tmp_path, {"app.conf": "server {\n include ${CONF}/x.conf;\n include $conf_dir/y.conf;\n"
                                " include @PREFIX@/z.conf;\n}\n"})
    assert not load(tmp_path / "app.conf").issues


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message, line, col", [
    ("server {\n    listen 80;\n}\n}\n", 'unexpected "}"', 4, 1),
    ("http {\n    server {\n        listen 80;\n    }\n", 'expecting "}" (block "http" opened at line 1)', 5, 1),
    ("server {\n    listen 80\n}\n", 'directive "listen" is not terminated by ";"', 3, 1),
    ("server {\n    return 200 \"hi;\n}\n", "unterminated quoted string", 2, 16),
    ("content_by_lua_block {\n    ngx.say('}')\n", "unexpected end of file in Lua block", 1, 22),
    ("listen 80", 'unexpected end of file, expecting ";" or "}" after "listen"', 1, 10),
    ("; listen 80;", 'unexpected ";"', 1, 1),
])
def test_syntax_errors_are_fatal_issues_with_position(tmp_path: Path, text: str, message: str, line: int,
                                                      col: int) -> None:
    tree(tmp_path, {"x.conf": text})
    config = load(tmp_path / "x.conf")
    [err] = config.fatal
    assert err.kind == "syntax-error" and message in err.message
    assert err.file.line_col(err.offset) == (line, col)


def test_syntax_error_in_an_included_file_points_there(tmp_path: Path) -> None:
    tree(tmp_path, {"nginx.conf": MAIN % "bad.conf", "bad.conf": "server {\n"})
    [err] = load(tmp_path / "nginx.conf").fatal
    assert err.file.path == tmp_path / "bad.conf" and err.file.line_col(err.offset) == (2, 1)


def test_not_utf8_is_fatal_but_parsed_with_exact_spans(tmp_path: Path) -> None:
    data = "# caf\xe9 ok\nserver {\n    server_name \xe9t\xe9.example caf\xe9;\n}\n".encode("latin-1")
    tree(tmp_path, {"x.conf": data})
    config = load(tmp_path / "x.conf")
    [err] = config.fatal
    assert err.kind == "not-utf8" and "0xe9" in err.message
    assert err.file.line_col(err.offset) == (1, 6)
    name = config.servers()[0].find("server_name")
    assert [data[a.start:a.end] for a in name.args] == [b"\xe9t\xe9.example", b"caf\xe9"]
    assert name.args[1].value == "caf\ufffd"


def test_binary_input_is_fatal(tmp_path: Path) -> None:
    tree(tmp_path, {"nginx.conf": MAIN % "blob.conf", "blob.conf": b"\x7fELF\x00\x01\n"})
    [err] = load(tmp_path / "nginx.conf").fatal
    assert err.kind == "not-text" and "blob.conf: binary data (NUL byte at line 1, column 5)" in err.message
    assert err.file.line_col(err.offset) == (3, 13)  # the include that pulled it in


def test_unreadable_files_are_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"nginx.conf": MAIN % "secret.conf", "secret.conf": "server {}\n"})
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.conf":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    [err] = load(tmp_path / "nginx.conf").fatal
    assert err.kind == "unreadable" and err.message == "secret.conf: cannot read: Permission denied"
    assert err.file.line_col(err.offset) == (3, 13)
    [err] = load("secret.conf").fatal
    assert str(err) == "secret.conf: cannot read: Permission denied"


def test_cli_reports_bad_input_in_one_line_and_exits_2(tmp_path: Path, nglint) -> None:
    tree(tmp_path, {"x.conf": "server {\n    listen 80;\n", "y.conf": b"\xff\xfe\x00\x00"})
    run = nglint("check", "x.conf", "y.conf", cwd=tmp_path)
    assert run.code == 2
    assert "x.conf:3:1: unexpected end of file" in run.err
    assert "y.conf: binary data" in run.err
    assert "Traceback" not in run.err


# -- nginx -T dumps and stdin -------------------------------------------------------------------

def test_nginx_t_dump_maps_findings_back_to_its_files(tmp_path: Path) -> None:
    nginx = require_nginx()
    conf = tmp_path / "conf"
    tree(conf, {
        "nginx.conf": f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n"
                      "    include conf.d/*.conf;\n}",  # no newline at the end: the dump adds one
        "conf.d/app.conf": "server {\n    listen 127.0.0.1:8080;\n\n    location /static/ {\n"
                           "        alias /srv/app/static;\n    }\n}\n",
    })
    run = subprocess.run([nginx, "-T", "-p", str(tmp_path), "-c", str(conf / "nginx.conf"), "-e",
                          str(tmp_path / "error.log")], capture_output=True, timeout=30)
    assert run.returncode == 0, run.stderr
    dump = run.stderr + run.stdout  # as `nginx -T 2>&1` prints it: "syntax is ok" lines first
    assert dump.startswith(b"nginx: the configuration file")
    config = load_text(dump, "dump.txt")
    assert config.dump and config.context == "main"
    for path in ("nginx.conf", "conf.d/app.conf"):
        src = config.files[str(conf / path)]
        assert src.data == (conf / path).read_bytes()  # split back byte for byte
        assert src.display == str(conf / path)
    [diag] = codes([config], "NGL001")
    assert (diag.filename, diag.line, diag.column) == (str(conf / "conf.d/app.conf"), 5, 15)
    # the CLI recognises a dump given as a file
    (tmp_path / "dump.txt").write_bytes(dump)
    [from_file] = load_paths([str(tmp_path / "dump.txt")])
    assert from_file.dump and len(from_file.files) == 2


def test_dump_bundle_reports_files_nothing_includes() -> None:
    text = ("# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { include /etc/nginx/sites-enabled/*; }\n"
            "# configuration file /etc/nginx/sites-enabled/a:\nserver { server_name a; }\n"
            "# configuration file /etc/nginx/sites-available/b:\n# new site\nserver { server_name b; }\n")
    config = load_text(text)
    assert names(config) == ["a"]
    [note] = issues(config, "not-loaded")
    assert note.file.display == "/etc/nginx/sites-available/b"
    assert note.file.line_col(note.offset) == (2, 1)
    [diag] = codes([config], "NGL012")
    assert diag.filename == "/etc/nginx/sites-available/b" and diag.line == 2


def test_a_comment_mentioning_configuration_file_is_not_a_dump() -> None:
    config = load_text("# main configuration file for nginx:\nevents {}\n", "x.conf")
    assert not config.dump and config.context == "main"


def test_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(discover, "_stdin_cache", [b"location /static/ {\n    alias /srv/static;\n}\n"])
    [config] = load_paths(["-"])
    assert config.main.display == "<stdin>" and config.servers()[0].synthetic
    [diag] = codes([config], "NGL001")
    assert (diag.filename, diag.line) == ("<stdin>", 2)
    # --stdin-filename: named like the file it stands for, includes resolve beside it
    tree(tmp_path, {"nginx/nginx.conf": "", "nginx/static.conf": "location /s/ {}\n"})
    monkeypatch.setattr(discover, "_stdin_cache", [b"server { include static.conf; }\n"])
    [config] = load_paths(["-"], stdin_name=str(tmp_path / "nginx/app.conf"))
    assert config.servers()[0].find("location").args[0].value == "/s/"


# -- directories --------------------------------------------------------------------------------

REPO = {
    "nginx/nginx.conf": "events {}\nhttp {\n    include /etc/nginx/mime.types;\n    include conf.d/*.conf;\n"
                        "    include sites-enabled/*;\n}\n",
    "nginx/conf.d/gzip.conf": "gzip on;\n",
    "nginx/sites-available/app": "server {\n    server_name app;\n    include snippets/static.conf;\n}\n",
    "nginx/sites-available/old": "# edited, but never enabled\nserver {\n    server_name old;\n}\n",
    "nginx/snippets/static.conf": "location /static/ { alias /srv/static/; }\n",
    "docker/default.conf": "server { server_name docker; }\n",  # not below nginx/: another deployment
    "README.md": "server {\n",
}


def _repo(tmp_path: Path) -> Path:
    root = tree(tmp_path / "repo", REPO)
    (root / "nginx/sites-enabled").mkdir()
    (root / "nginx/sites-enabled/app").symlink_to("../sites-available/app")
    return root


def test_directory_lints_each_file_once_in_context(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    configs = load_paths([str(root)])
    mains = {os.path.relpath(c.main.path, root): c for c in configs}
    assert set(mains) == {"nginx/nginx.conf", "nginx/sites-available/old", "docker/default.conf"}
    main = mains["nginx/nginx.conf"]
    assert main.context == "main" and names(main) == ["app"]
    assert main.servers()[0].find("location").file.path.name == "static.conf"
    assert mains["nginx/sites-available/old"].context == "http"
    # the stray vhost below nginx/ is not loaded; the docker one belongs to no nginx.conf here
    [note] = issues(mains["nginx/sites-available/old"], "not-loaded")
    assert note.file.line_col(note.offset) == (2, 1) and "nginx.conf does not include it" in note.message
    assert not issues(mains["docker/default.conf"], "not-loaded")
    assert len(codes(configs, "NGL012")) == 1


def test_site_not_linked_counts_as_possibly_enabled_when_the_repo_has_no_sites_enabled(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "nginx/sites-enabled/app").unlink()
    (root / "nginx/sites-enabled").rmdir()
    configs = load_paths([str(root)])
    assert not codes(configs, "NGL012")  # sites-enabled/* matched nothing: any site may be linked on deploy
    standalone = sorted(os.path.relpath(c.main.path, root) for c in configs if c.standalone)
    assert standalone == ["docker/default.conf", "nginx/sites-available/app", "nginx/sites-available/old"]


def test_directory_without_nginx_conf_lints_every_vhost_standalone(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "sites-enabled/app": "server { server_name app; include /etc/nginx/snippets/static.conf; }\n",
        "snippets/static.conf": "location /static/ {}\n",
        "conf.d/api.conf": "server { server_name api; include extra/api-locations.conf; }\n",
        "conf.d/extra/api-locations.conf": "location /api/ {}\n",
        "conf.d/notes.conf": "just notes; no blocks here\n",
    })
    configs = load_paths([str(root)])
    by_name = {os.path.relpath(c.main.path, root): c for c in configs}
    # the snippets are linted inside the vhosts that include them, not on their own
    assert set(by_name) == {"sites-enabled/app", "conf.d/api.conf"}
    assert by_name["sites-enabled/app"].servers()[0].find("location").args[0].value == "/static/"
    assert by_name["conf.d/api.conf"].servers()[0].find("location").args[0].value == "/api/"
    assert all(c.context == "http" and c.standalone and not c.fatal for c in configs)
    assert not [i for c in configs for i in issues(c, "include-not-found")]


def test_single_vhost_checked_against_the_nginx_conf_beside_it(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    [old] = load_paths([str(root / "nginx/sites-available/old")])
    assert issues(old, "not-loaded")
    [app] = load_paths([str(root / "nginx/sites-available/app")])
    assert not issues(app, "not-loaded")
    assert app.servers()[0].find("location") is not None  # snippets/ found from sites-available/


# -- context guessing and servers() -----------------------------------------------------------

@pytest.mark.parametrize("text, context, servers, synthetic", [
    ("user www-data;\nevents {}\nhttp { server { server_name a; } server { server_name b; } }\n", "main", 2, False),
    ("server { listen 80; }\nserver { listen 81; }\n", "http", 2, False),
    ("upstream app { server 127.0.0.1:8000; }\nserver { location / { proxy_pass http://app; } }\n", "http", 1, False),
    ("location /static/ { alias /srv/static/; }\nlocation / { proxy_pass http://app; }\n", "http", 1, True),
    ("listen 80;\nserver_name a;\nroot /srv;\n", "http", 1, True),
    ("return 301 https://$host$request_uri;\n", "http", 1, True),
    ("gzip on;\nclient_max_body_size 10m;\nmap $uri $x { default 0; }\n", "http", 0, False),
    ("alias /srv/static/;\nexpires 30d;\n", "location", 0, False),
    ("proxy_set_header Host $host;\nproxy_pass http://app;\n", "location", 0, False),
    ("if ($request_method = POST) { add_header X-Post 1; }\n", "location", 0, False),
    ("server { listen 5432; proxy_pass db:5432; }\n", "stream", 0, False),
    ("", "http", 0, False),
])
def test_context_and_servers(text: str, context: str, servers: int, synthetic: bool) -> None:
    config = load_text(text, "x.conf")
    assert config.context == context
    found = config.servers()
    assert len(found) == servers
    assert all(s.synthetic == synthetic for s in found)
    for server in found:
        assert all(child.parent is server for child in server.body())


def test_main_config_servers_come_through_includes(tmp_path: Path) -> None:
    tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n    server { server_name a; }\n    include v/*.conf;\n}\n"
                                  "stream { server { listen 1; proxy_pass x:1; } }\n",
                    "v/b.conf": "server { server_name b; }\n"})
    config = load(tmp_path / "nginx.conf")
    assert names(config) == ["a", "b"]  # stream servers excluded
    assert config.servers()[1].parent.name == "http"


def test_vhost_is_validated_in_http_context() -> None:
    config = load_text("server {\n    listen 80;\n    location / { alias /x/; }\n}\nalias /y/;\n", "x.conf")
    [diag] = codes([config], "NGL009")
    assert diag.line == 5 and "not allowed in `http`" in diag.message


def test_included_directives_are_validated_in_the_including_context(tmp_path: Path) -> None:
    tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n    server {\n        include bits.conf;\n    }\n}\n",
                    "bits.conf": "listen 80;\nalias /srv/;\n"})
    [diag] = codes([load(tmp_path / "nginx.conf")], "NGL009")
    assert (diag.filename.endswith("bits.conf"), diag.line) == (True, 2)
    assert "`alias` is not allowed in `server`" in diag.message


def test_unknown_directive_reported_once_per_name() -> None:
    config = load_text("location / { foo_bar 1; }\nlocation /a/ { foo_bar 2; proxy_pas x; lua_shared_dict d 1m; }\n",
                       "x.conf")
    diags = codes([config], "NGL009")
    assert [(d.line, d.severity.value) for d in diags] == [(1, "warning"), (2, "warning")]
    assert "did you mean `proxy_pass`" in diags[1].message


# -- speed ---------------------------------------------------------------------------------------

def test_load_is_several_times_faster_than_crossplane(tmp_path: Path) -> None:
    import crossplane

    lines = ["events {}", "http {"]
    for i in range(300):
        lines.append(f"    server {{\n        listen 80;\n        server_name s{i}.example.com;")
        for j in range(5):
            lines.append(f"        location /p{j}/ {{\n            alias /srv/s{i}/p{j}/;\n"
                         f"            try_files $uri =404;\n            add_header X-A \"s {i}\" always;\n        }}")
        lines.append("    }")
    lines.append("}")
    conf = tree(tmp_path, {"nginx.conf": "\n".join(lines) + "\n"}) / "nginx.conf"

    # Interleaved rounds, best of each: a busy machine slows both sides alike.
    ours, theirs = [], []
    for _ in range(5):
        for times, fn in ((ours, lambda: load(conf)), (theirs, lambda: crossplane.parse(str(conf)))):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    assert len(load(conf).servers()) == 300
    assert min(ours) * 2 < min(theirs), f"load {min(ours):.3f}s vs crossplane.parse {min(theirs):.3f}s"
