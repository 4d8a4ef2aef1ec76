"""Filesystem and deploy rules (NGL050-NGL053): trees built in tmp, `--fs`/`--fs-root` on the
command line, and real nginx as the oracle for what the rules predict (403 vs 404).

We run as root, so permission checks cannot be tried by touching files ourselves: the
rules emulate the worker user with uid/gid/mode logic (FsView), and nginx, started with
`user nobody`, shows whether that emulation is right.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _fstree import build

from nglint.engine import Project, find_rule, lint
from nglint.load import load, load_text
from nglint.route import FsView

FS_RULES = ["NGL050", "NGL051", "NGL052"]


def run_rules(text: str, fs: FsView | None, codes: list[str] = FS_RULES, settings: dict | None = None) -> list:
    configs = [load_text(text, "site.conf")]
    return lint(Project(configs, settings=settings or {}, fs=fs), [find_rule(c) for c in codes])


def codes_of(diags: list) -> list[str]:
    return [d.code for d in diags]


# -- command line --------------------------------------------------------------------------------

SITE = """server {
    listen 127.0.0.1:8080;
    server_name example.org;
    location /static/ { alias /var/www/app/static/; }
    location / { proxy_pass http://127.0.0.1:8000; }
}
"""


def test_fs_rules_need_a_filesystem_view(tmp_path: Path, nglint, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "site.conf").write_text(SITE)
    tree = build("/var/www/app/staticfiles/app.css", tmp_path / "tree")
    # No view: the rules read nothing (os.lstat would raise here), so nothing is reported.
    import os

    real_lstat = os.lstat

    def no_host_io(path, *a, **k):
        if str(path).startswith("/var/www"):
            raise AssertionError(f"filesystem read without --fs: {path}")
        return real_lstat(path, *a, **k)

    monkeypatch.setattr(os, "lstat", no_host_io)
    r = nglint("check", "--select", "NGL050,NGL051,NGL052", "site.conf", cwd=tmp_path)
    assert r.code == 0, r.out
    monkeypatch.setattr(os, "lstat", real_lstat)
    r = nglint("check", "--select", "NGL050", "--fs-root", str(tree), "site.conf", cwd=tmp_path)
    assert r.code == 1
    assert "site.conf:4:" in r.out and "/var/www/app/static/ does not exist" in r.out
    assert "did you mean /var/www/app/staticfiles/?" in r.out


def test_fs_root_setting_is_relative_to_the_settings_file(tmp_path: Path, nglint) -> None:
    (tmp_path / "site.conf").write_text(SITE)
    build("/var/www/app/static/app.css", tmp_path / "export")
    (tmp_path / "nglint.toml").write_text('fs-root = "export"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    assert nglint("check", "--select", "NGL050", "../site.conf", cwd=sub).code == 0
    (tmp_path / "nglint.toml").write_text('fs-root = "nothing-here"\n')
    r = nglint("check", "--select", "NGL050", "../site.conf", cwd=sub)
    assert r.code == 2 and "not a directory" in r.err


def test_fs_option_errors(tmp_path: Path, nglint) -> None:
    (tmp_path / "site.conf").write_text(SITE)
    r = nglint("check", "--fs-root", str(tmp_path / "missing"), "site.conf", cwd=tmp_path)
    assert r.code == 2 and r.err.count("\n") == 1 and "--fs-root" in r.err
    r = nglint("check", "--fs", "--fs-root", str(tmp_path), "site.conf", cwd=tmp_path)
    assert r.code == 2 and "not allowed with" in r.err


def test_fs_checks_this_machine(tmp_path: Path, nglint) -> None:
    static = tmp_path / "app" / "static"
    static.mkdir(parents=True)
    (static / "app.css").write_text("x")
    conf = tmp_path / "site.conf"
    conf.write_text(f"location /static/ {{ alias {static}/; }}\nlocation /media/ {{ alias {tmp_path}/app/media/; }}\n")
    r = nglint("check", "--select", "NGL050", "--fs", "site.conf", cwd=tmp_path)
    assert r.code == 1
    assert f"{tmp_path}/app/media/ does not exist; closest existing parent: {tmp_path}/app (it holds static/)" in r.out
    assert "location /static/" not in r.out


# -- which paths a config serves ------------------------------------------------------------------

@pytest.mark.parametrize("text, missing", [
    ("location /static/ { alias /srv/a/static/; }", "/srv/a/static/"),
    ("location /static/ { root /srv/a; }", "/srv/a/static/"),
    ("location /static/css { root /srv/a; }", "/srv/a/static/"),
    ("location ^~ /static/ { root /srv/a/; }", "/srv/a/static/"),
    ("location = /robots.txt { root /srv/a; }", "/srv/a/robots.txt"),
    ("location = /favicon.ico { alias /srv/a/icons/favicon.ico; }", "/srv/a/icons/favicon.ico"),
    ("location ~ ^/media/(.+)$ { alias /srv/a/media/$1; }", "/srv/a/media/"),
    ("location ~* \\.css$ { root /srv/a/css; }", "/srv/a/css/"),
    ("location /static/ { alias /srv/a/static/; location /static/img/ { } }", "/srv/a/static/img/"),
    ("server { listen 8080; root /srv/a/site; location /api/ { proxy_pass http://x; } }", "/srv/a/site/"),
    ("location /u/ { root /srv/$host/u; }", None),  # only "/srv/" is known: not checked
    ("location /static/ { alias /srv/a/static/; return 404; }", None),
    ("location /static/ { deny all; alias /srv/a/static/; }", None),
    ("location /static/ { }", None),  # nginx's default `root html`
])
def test_served_paths(tmp_path: Path, text: str, missing: str | None) -> None:
    fs = FsView(str(build("/srv/a/other/", tmp_path)))
    diags = run_rules(text, fs, ["NGL050"])
    if missing is None:
        assert not diags
    else:
        assert len(diags) >= 1 and f"{missing} does not exist" in diags[-1].message, [d.message for d in diags]


def test_relative_root_resolves_against_the_prefix(tmp_path: Path) -> None:
    fs = FsView(str(build("/opt/ngx/html/", tmp_path)))
    config = load_text("location /static/ { root html; }", "site.conf", prefix="/opt/ngx")
    diags = lint(Project([config], fs=fs), [find_rule("NGL050")])
    assert len(diags) == 1 and "/opt/ngx/html/static/ does not exist" in diags[0].message


def test_missing_directory_under_a_working_symlink(tmp_path: Path) -> None:
    fs = FsView(str(build("""
        /srv/releases/7/media/
        /var/www/app -> /srv/releases/7
    """, tmp_path)))
    [d] = run_rules("location /static/ { alias /var/www/app/static/; }", fs)
    assert d.code == "NGL050"
    assert ("/var/www/app/static/ does not exist (/srv/releases/7/static is missing); "
            "closest existing parent: /var/www/app (it holds media/)") in d.message


def test_file_where_a_directory_is_needed(tmp_path: Path) -> None:
    fs = FsView(str(build("/srv/app/static", tmp_path)))
    [d] = run_rules("location /static/ { alias /srv/app/static/css/; }", fs)
    assert "cannot exist: /srv/app/static is a file, not a directory" in d.message
    [d] = run_rules("location /static/ { alias /srv/app/static/; }", fs)
    assert "/srv/app/static is a file, not a directory" in d.message


# -- permissions ---------------------------------------------------------------------------------

def test_permission_walk_reports_the_first_blocking_component(tmp_path: Path) -> None:
    fs = FsView(str(build("""
        /home/deploy/                     750 deploy:deploy
        /home/deploy/app/                 700 deploy
        /home/deploy/app/static/app.css
        group deploy += www-data
    """, tmp_path)))
    # www-data is a member of the group deploy: it passes /home/deploy
    # and is stopped by the 700 below it; nobody is stopped at /home/deploy already.
    text = "user {u};\nevents {{}}\nhttp {{ server {{ location /static/ {{ alias /home/deploy/app/static/; }} }} }}"
    [d] = run_rules(text.format(u="www-data"), fs, ["NGL051"])
    assert "www-data cannot reach /home/deploy/app/static/" in d.message
    assert "`drwx------ deploy:deploy /home/deploy/app` gives its group no x; nginx answers 403" in d.message
    assert d.related and "workers run as www-data" in d.related[0].message
    [d] = run_rules(text.format(u="nobody"), fs, ["NGL051"])
    assert "`drwxr-x--- deploy:deploy /home/deploy` gives others no x" in d.message
    [d] = run_rules(text.format(u="deploy"), fs, ["NGL051"]) or [None]
    assert d is None  # the owner passes both


def test_permission_class_is_owner_then_group_then_others(tmp_path: Path) -> None:
    # owner bits apply to the owner even when "others" would allow more (nginx 403s)
    fs = FsView(str(build("""
        /srv/static/                     075 www-data:www-data
        /srv/static/app.css
    """, tmp_path)))
    text = "user www-data;\nevents {}\nhttp { server { location /static/ { alias /srv/static/; } } }"
    [d] = run_rules(text, fs, ["NGL051"])
    assert "`d---rwxr-x www-data:www-data /srv/static` gives its owner no x" in d.message


def test_unreadable_uploads_are_counted(tmp_path: Path) -> None:
    fs = FsView(str(build("""
        /srv/media/                      755 app
        /srv/media/a.jpg                 644 app
        /srv/media/b.jpg                 600 app
        /srv/media/c.jpg                 600 app
        /srv/media/sub/                  700 app
        /srv/media/sub/d.jpg             644 app
    """, tmp_path)))
    text = "user www-data;\nevents {}\nhttp { server { location /media/ { alias /srv/media/; } } }"
    [d] = run_rules(text, fs, ["NGL051"])
    # b.jpg, c.jpg and sub/ itself; sub/d.jpg is behind sub/ and not counted again
    assert "www-data cannot read 3 of 5 entries checked under /srv/media/" in d.message
    assert "e.g. `-rw------- app:app /srv/media/b.jpg` gives others no r" in d.message


def test_try_files_turns_a_blocked_directory_into_its_fallback(tmp_path: Path) -> None:
    fs = FsView(str(build("/srv/site/      700 deploy\n/srv/site/index.html", tmp_path)))
    text = ("user www-data;\nevents {}\nhttp { server { root /srv/site;\n"
            "location / { try_files $uri $uri/ @app; }\nlocation @app { proxy_pass http://127.0.0.1:8000; } } }")
    [d] = run_rules(text, fs, ["NGL051"])
    assert "try_files skips what is behind it" in d.message and "fallback" in d.message


def test_snippet_takes_the_user_of_the_servers_nginx_conf(tmp_path: Path) -> None:
    spec = """
        /srv/static/      750 root:www-data
        /srv/static/app.css
        /etc/nginx/
    """
    root = build(spec, tmp_path)
    fs = FsView(str(root))
    snippet = "location /static/ { alias /srv/static/; }"
    [d] = run_rules(snippet, fs, ["NGL051"])  # no nginx.conf in the tree: nobody
    assert "nobody cannot reach" in d.message and "nginx's compiled-in default user" in d.message
    (root / "etc/nginx/nginx.conf").write_text("user www-data;\nevents {}\nhttp { include sites-enabled/*; }\n")
    assert not run_rules(snippet, fs, ["NGL051"])
    (root / "etc/nginx/nginx.conf").write_text("user nginx;\nevents {}\n")
    [d] = run_rules(snippet, fs, ["NGL051"])
    assert "nginx cannot reach" in d.message and "from the `user` directive of /etc/nginx/nginx.conf" in d.message
    (root / "srv/conf").mkdir()
    (root / "srv/conf/nginx.conf").write_text("user www-data;\nevents {}\n")
    assert not run_rules(snippet, fs, ["NGL051"], settings={"conf-root": "/srv/conf"})


def test_user_missing_from_the_view_is_said(tmp_path: Path) -> None:
    fs = FsView(str(build("/srv/static/ 700\n/srv/static/app.css", tmp_path)))
    text = "user webuser;\nevents {}\nhttp { server { location /static/ { alias /srv/static/; } } }"
    [d] = run_rules(text, fs, ["NGL051"])
    assert "webuser cannot reach" in d.message and "assumed uid 65534" in d.message


# -- symlinks ------------------------------------------------------------------------------------

def test_absolute_links_resolve_inside_the_fs_root(tmp_path: Path) -> None:
    # /etc/ssl exists on this machine but not in the export: the link is broken there.
    assert Path("/etc/ssl").is_dir()
    fs = FsView(str(build("/opt/build/static/app.css\n/var/www/static -> /opt/build/static\n"
                          "/var/www/certs -> /etc/ssl", tmp_path)))
    assert not run_rules("location /static/ { alias /var/www/static/; }", fs)
    [d] = run_rules("location /certs/ { alias /var/www/certs/; }", fs)
    assert d.code == "NGL052" and "/var/www/certs is a symlink to /etc/ssl, which does not exist" in d.message


def test_symlink_loop(tmp_path: Path) -> None:
    fs = FsView(str(build("/srv/a -> b\n/srv/b -> a", tmp_path)))
    [d] = run_rules("location /x/ { alias /srv/a/; }", fs)
    assert d.code == "NGL052" and "/srv/a is a symlink loop (too many symlinks at /srv/" in d.message


def test_if_not_owner(tmp_path: Path) -> None:
    fs = FsView(str(build("""
        /srv/real/app.css
        /srv/real/                 755 deploy
        /srv/static -> real        root
    """, tmp_path)))
    [d] = run_rules("location /static/ { alias /srv/static/; disable_symlinks if_not_owner; }", fs)
    assert "`disable_symlinks if_not_owner` refuses /srv/static/" in d.message
    assert "owner is not its target's owner" in d.message
    assert not run_rules("location /static/ { alias /srv/static/; disable_symlinks off; }", fs)


def test_many_dangling_links_are_summarised(tmp_path: Path) -> None:
    fs = FsView(str(build("/srv/s/a.css -> gone/a.css\n/srv/s/b.css -> gone/b.css\n/srv/s/c.css", tmp_path)))
    [d] = run_rules("location /s/ { alias /srv/s/; }", fs)
    assert "2 symlinks under /srv/s/ point to nothing, e.g. /srv/s/a.css -> gone/a.css" in d.message


# -- real nginx agrees ----------------------------------------------------------------------------

_STATUS = re.compile(r"answers? (\d{3})")


def test_predictions_match_real_nginx() -> None:
    """Every location of one server, each broken in one way (or not at all): nginx,
    running as nobody, must answer exactly what the rules predict, and 200 where they
    predict nothing."""
    from _nginx import Entry, Nginx, free_port, is_root, lay_out, main_conf, make_tmp, remove_tree, require_nginx
    from _nginx import send

    require_nginx()
    if not is_root():
        pytest.skip("nginx drops to `user nobody` only when started as root")
    tmp = make_tmp()
    try:
        www = tmp / "www"
        lay_out(www, [
            Entry("ok/app.css"),
            Entry("locked/app.css"), Entry("locked/", mode=0o000),
            Entry("xonly/app.css"), Entry("xonly/", mode=0o711),
            Entry("private/app.css", mode=0o600),
            Entry("home/static/app.css"), Entry("home/", mode=0o700),
            Entry("target/app.css"), Entry("linked", symlink="target"),
            Entry("filelink/real.css"), Entry("filelink/app.css", symlink="real.css"),
            Entry("gone", symlink="releases/41"),
            Entry("assets/app.css", symlink="missing.css"),
            Entry("loop", symlink="loop2"), Entry("loop2", symlink="loop"),
            Entry("theirs/app.css"), Entry("theirs/", owner="nobody"), Entry("ownerlink", symlink="theirs"),
            Entry("tfroot/tf/app.css"), Entry("tfroot/", mode=0o700),
            Entry("staticfiles/app.css"),
        ])
        port = free_port(("127.0.0.1",))
        locations = {
            "ok": f"alias {www}/ok/;",
            "locked": f"alias {www}/locked/;",
            "xonly": f"alias {www}/xonly/;",
            "private": f"alias {www}/private/;",
            "home": f"alias {www}/home/static/;",
            "linked": f"alias {www}/linked/; disable_symlinks on;",
            "filelink": f"alias {www}/filelink/; disable_symlinks on;",
            "followed": f"alias {www}/linked/;",
            "gone": f"alias {www}/gone/static/;",
            "assets": f"alias {www}/assets/;",
            "loop": f"alias {www}/loop/;",
            "ownerlink": f"alias {www}/ownerlink/; disable_symlinks if_not_owner;",
            "tf": f"root {www}/tfroot; try_files $uri =404;",
            "static": f"alias {www}/static/;",
        }
        body = "\n".join(f"location /{name}/ {{ {conf} }}" for name, conf in locations.items())
        ngx = tmp / "ngx"
        ngx.mkdir()
        conf = ngx / "nginx.conf"
        conf.write_text(main_conf(f"server {{\n    listen 127.0.0.1:{port};\n{body}\n}}", ngx, level="error"))
        with Nginx(conf, ngx, [f"127.0.0.1:{port}"]) as nginx:
            nginx.test()
            status = {name: send(f"127.0.0.1:{port}", f"/{name}/app.css", "x").status for name in locations}
        diags = lint(Project([load(conf)], fs=FsView("/")), [find_rule(c) for c in FS_RULES])
        predicted: dict[str, list[tuple[str, int | None]]] = {}
        for d in diags:
            name = re.match(r"location /(\w+)/: ", d.message).group(1)  # type: ignore[union-attr]
            m = _STATUS.search(d.message)
            code = 404 if d.code == "NGL050" else (int(m.group(1)) if m else None)
            predicted.setdefault(name, []).append((d.code, code))
        # the rules stay silent exactly where nginx serves the file
        assert {n for n, s in status.items() if s != 200} == set(predicted), (status, predicted)
        for name, found in predicted.items():
            assert len(found) == 1, (name, found)
            code, said = found[0]
            if name == "tf":  # the try_files fallback decides: `=404` here
                assert status[name] == 404 and said is None
            else:
                assert said == status[name], (name, code, said, status[name])
        assert {n: c for n, [(c, _)] in predicted.items()} == {
            "locked": "NGL051", "private": "NGL051", "home": "NGL051", "tf": "NGL051",
            "linked": "NGL052", "filelink": "NGL052", "gone": "NGL052", "assets": "NGL052", "loop": "NGL052",
            "ownerlink": "NGL052",
            "static": "NGL050"}
    finally:
        remove_tree(tmp)


# -- docker compose (NGL053) ----------------------------------------------------------------------

NGINX_CONF = """events {}
http {
    server {
        listen 80;
        location /static/ { alias /app/static/; }
        location /media/ { alias /app/media/; }
    }
}
"""


def compose_case(tmp_path: Path, compose: str, files: dict[str, str] | None = None,
                 conf: str = NGINX_CONF, name: str = "docker-compose.yml", fs: FsView | None = None) -> list:
    """Lint ``conf`` (as nginx/nginx.conf) in a project whose root holds ``compose``."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / name).write_text(compose)
    for rel, text in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "nginx").mkdir(exist_ok=True)
    main = tmp_path / "nginx" / "nginx.conf"
    main.write_text(conf)
    project = Project([load(main)], fs=fs)
    diags = lint(project, [find_rule("NGL053")])
    return diags + [note for note in project.notes]


def messages(found: list) -> list[str]:
    return [d if isinstance(d, str) else d.message for d in found]


BASE = """services:
  web:
    image: registry.example.com/shop/web:1.4
    volumes:
{web}
  nginx:
    image: nginx:1.25-alpine
    volumes:
      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro
{nginx}
volumes:
  media:
  static:
"""


def base(web: str, nginx: str) -> str:
    return BASE.format(web=web or "      []", nginx=nginx).replace("volumes:\n      []", "volumes: []")


def test_compose_everything_mounted(tmp_path: Path) -> None:
    found = compose_case(tmp_path, base("      - media:/app/media\n      - static:/app/static",
                                        "      - media:/app/media:ro\n      - static:/app/static:ro"))
    assert found == []


def test_compose_path_not_mounted_in_nginx(tmp_path: Path) -> None:
    found = compose_case(tmp_path, base("      - media:/app/media\n      - static:/app/static",
                                        "      - static:/app/static:ro"))
    [d] = found
    assert d.message == ("location /media/: /app/media/ is not in the `nginx` container: none of its volumes covers "
                         "it; service `web` has it in volume `media`: mount `media:/app/media:ro` in nginx too")
    assert (d.related[0].file, d.related[0].line) == (str(tmp_path / "docker-compose.yml"), 7)


def test_compose_bind_mount_versus_volume(tmp_path: Path) -> None:
    found = compose_case(tmp_path, base("      - media:/app/media\n      - ./static:/app/static",
                                        "      - ./media:/app/media:ro\n      - ./static:/app/static:ro"))
    [d] = found
    assert "`nginx` reads /app/media from the host directory ./media (bind mount) but service `web` keeps it in " \
           "volume `media`" in d.message
    assert [r.line for r in d.related] == [11, 5]


def test_compose_bind_source_must_exist_with_fs(tmp_path: Path) -> None:
    text = base("      - ./static:/app/static\n      - media:/app/media", "      - ./static:/app/static:ro\n"
                "      - media:/app/media:ro")
    assert compose_case(tmp_path, text) == []  # without --fs the host is not looked at
    [d] = compose_case(tmp_path, text, fs=FsView("/"))
    assert d.message == (f"location /static/: /app/static/ is {tmp_path}/static on this machine (the host directory "
                         "./static (bind mount)), which does not exist: Docker mounts an empty directory there")
    (tmp_path / "static").mkdir()
    assert compose_case(tmp_path, text, fs=FsView("/")) == []
    # the sub-path below the mount point counts: /app/static/css/ is ./static/static/css here
    [d] = compose_case(tmp_path, text.replace("./static:/app/static:ro", "./static:/app:ro"),
                       conf=NGINX_CONF.replace("/app/static/", "/app/static/css/"), fs=FsView("/"))
    assert f"/app/static/css/ is {tmp_path}/static/static/css on this machine" in d.message


def test_compose_nested_mount_compares_the_deeper_path(tmp_path: Path) -> None:
    # the app mounts the whole project (dev setup) and a volume for uploads below it
    found = compose_case(tmp_path, base("      - .:/app\n      - media:/app/media/uploads",
                                        "      - ./media:/app/media:ro\n      - ./static:/app/static:ro"))
    [d] = found
    assert "`nginx` reads /app/media/uploads from the host directory ./media (bind mount) but service `web` keeps " \
           "it in volume `media`" in d.message


def test_compose_volume_only_nginx_mounts(tmp_path: Path) -> None:
    found = compose_case(tmp_path, base("", "      - media:/app/media:ro\n      - static:/app/static:ro"))
    assert messages(found) == [
        "location /static/: /app/static/ comes from volume `static`, which no other service mounts: it starts "
        "empty and nothing puts files in it",
        "location /media/: /app/media/ comes from volume `media`, which no other service mounts: it starts empty "
        "and nothing puts files in it"]
    external = base("", "      - media:/app/media:ro\n      - static:/app/static:ro").replace(
        "  media:\n  static:\n", "  media:\n    external: true\n  static:\n    external: true\n")
    assert compose_case(tmp_path, external) == []


def test_compose_volume_declared_as_bind_and_volumes_from(tmp_path: Path) -> None:
    text = base("      - ./data/media:/app/media\n      - static:/app/static",
                "      - media:/app/media:ro").replace(
        "    volumes:\n      - ./nginx/nginx.conf", "    volumes_from: [web]\n    volumes:\n      - ./nginx/nginx.conf"
    ).replace("  media:\n", "  media:\n    driver_opts: {type: none, o: bind, device: ./data/media}\n")
    assert compose_case(tmp_path, text) == []


def test_compose_long_syntax_env_and_override(tmp_path: Path) -> None:
    compose = """services:
  web:
    image: shop/web
    volumes:
      - type: volume
        source: media
        target: ${MEDIA_ROOT:-/srv/media}
  proxy:
    image: docker.io/library/nginx:1.25@sha256:0123
    volumes:
      - type: bind
        source: ./nginx
        target: /etc/nginx
        read_only: true
      - "${STATIC_DIR}:/app/static:ro"
volumes:
  media:
"""
    [d] = compose_case(tmp_path, compose, {".env": "MEDIA_ROOT=/app/media\nSTATIC_DIR=./static\n"})
    assert d.message.endswith("/app/media/ is not in the `proxy` container: none of its volumes covers it; service "
                              "`web` has it in volume `media`: mount `media:/app/media:ro` in nginx too")
    override = "services:\n  proxy:\n    volumes:\n      - media:/app/media:ro\n"
    assert compose_case(tmp_path, compose, {"docker-compose.override.yml": override}) == []
    # without MEDIA_ROOT the app mounts the volume at /srv/media: the same volume, so fine
    (tmp_path / ".env").write_text("STATIC_DIR=./static\n")
    assert compose_case(tmp_path, compose) == []


def test_compose_unset_variable_is_unknown_not_missing(tmp_path: Path) -> None:
    text = base("      - media:/app/media", "      - ${STATIC_DIR}:/app/static:ro\n      - media:/app/media:ro")
    assert compose_case(tmp_path, text) == []  # the bind source is unknown: nothing to compare


def test_compose_built_nginx_image(tmp_path: Path) -> None:
    dockerfile = """# syntax=docker/dockerfile:1
FROM node:20 AS assets
WORKDIR /src
COPY . .
RUN npm run build

FROM nginx:1.25-alpine AS base
WORKDIR /app
COPY --from=assets /src/dist \\
     static/

FROM base
COPY ["media-placeholder", "/app/media/"]
"""
    compose = "services:\n  nginx:\n    build:\n      context: ./proxy\n    volumes:\n" \
              "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro\n"
    assert compose_case(tmp_path, compose, {"proxy/Dockerfile": dockerfile}) == []
    [d] = compose_case(tmp_path, compose, {"proxy/Dockerfile": dockerfile.replace('COPY ["media-placeholder", '
                                                                                  '"/app/media/"]', "")})
    assert "/app/media/ is not in the `nginx` container: none of its volumes covers it, nor does its image" in d.message
    custom_base = dockerfile.replace("FROM nginx:1.25-alpine AS base", "FROM mycorp/web-base AS base")
    assert compose_case(tmp_path, compose, {"proxy/Dockerfile": custom_base.replace(
        'COPY ["media-placeholder", "/app/media/"]', "")}) == []  # a base image nglint does not know
    (tmp_path / "proxy" / "Dockerfile").unlink()
    assert compose_case(tmp_path, compose) == []  # what the image holds is unknown


def test_compose_app_image_hint_and_custom_images(tmp_path: Path) -> None:
    compose = """services:
  web:
    build: ./app
  nginx:
    image: nginx:stable
    volumes: ["./nginx/nginx.conf:/etc/nginx/nginx.conf:ro"]
"""
    found = compose_case(tmp_path, compose, {"app/Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . .\n"},
                         conf=NGINX_CONF.replace("        location /media/ { alias /app/media/; }\n", ""))
    [d] = found
    assert "the image of service `web` has files at /app (COPY/ADD in its Dockerfile)" in d.message
    # an image nglint does not know may hold anything: no report
    custom = compose.replace("image: nginx:stable", "image: shop/frontend:3")
    assert compose_case(tmp_path, custom, conf=NGINX_CONF.replace(
        "        location /media/ { alias /app/media/; }\n", "")) == []


def test_compose_service_chosen_by_config_mount(tmp_path: Path) -> None:
    # two nginx services; only `edge` mounts this config, and only its mounts count
    compose = """services:
  edge:
    image: nginx
    volumes: ["./nginx:/etc/nginx:ro", "media:/app/media:ro", "static:/app/static:ro"]
  other:
    image: nginx
    volumes: ["./other.conf:/etc/nginx/nginx.conf:ro"]
  web:
    image: shop/web
    volumes: ["media:/app/media", "static:/app/static"]
volumes: {media: {}, static: {}}
"""
    assert compose_case(tmp_path, compose) == []


def test_compose_for_another_config_says_nothing(tmp_path: Path) -> None:
    # the compose file runs a dev nginx with its own config; ours is deployed elsewhere
    compose = base("      - media:/app/media", "      - static:/app/static:ro").replace(
        "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro", "./dev/nginx.conf:/etc/nginx/nginx.conf:ro")
    assert compose_case(tmp_path, compose) == []


def test_compose_config_copied_into_a_built_image(tmp_path: Path) -> None:
    compose = "services:\n  proxy:\n    build: .\n  web:\n    image: shop/web\n    volumes: [media:/app/media]\n" \
              "volumes: {media: {}}\n"
    dockerfile = "FROM nginx:1.25\nCOPY nginx/nginx.conf /etc/nginx/nginx.conf\nCOPY --from=assets /dist /app/static\n"
    [d] = compose_case(tmp_path, compose, {"Dockerfile": dockerfile})
    assert d.message.startswith("location /media/: /app/media/ is not in the `proxy` container: none of its volumes "
                                "covers it, nor does its image; service `web` has it in volume `media`")
    # copied from another stage, the config is not this one
    other_stage = dockerfile.replace("COPY nginx/", "COPY --from=x nginx/")
    assert compose_case(tmp_path, compose, {"Dockerfile": other_stage}) == []


def test_compose_found_up_to_the_repository_root(tmp_path: Path) -> None:
    text = base("      - media:/app/media", "      - media:/app/media:ro")  # /app/static unmounted
    (tmp_path / "deploy").mkdir()
    found = compose_case(tmp_path / "deploy", text)
    assert len(found) == 1
    # a compose file above the repository root (.git) is somebody else's
    (tmp_path / "deploy" / "docker-compose.yml").rename(tmp_path / "compose.yaml")
    assert compose_case(tmp_path / "deploy", "", name="unused.yml") == []


def test_compose_yaml_error_is_a_note(tmp_path: Path, nglint) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "compose.yaml").write_text("services:\n  nginx:\n    image: [nginx\n")
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    r = nglint("check", "--select", "NGL053", "nginx.conf", cwd=tmp_path)
    assert r.code == 0
    assert "compose.yaml:4: not valid YAML" in r.err and "NGL053 skipped" in r.err


def test_plain_check_does_not_import_yaml(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "site.conf").write_text(SITE)
    code = ("import sys; from nglint.cli import main; rc = main(['check', 'site.conf']); "
            "print(rc, 'yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["0", "False"], out.stdout + out.stderr
