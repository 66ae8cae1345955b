//! The front end of `examples/server.rs` in a real browser: headless Chromium loads the static
//! page from one origin, and the page logs in against the API on another origin (CORS), calls
//! a protected route, refreshes, logs out, and shows each answer in the page. The same page
//! served from an origin the API does not allow is refused by the browser.
//!
//! Everything runs in-process on loopback ports: the API, the allowed front end and the
//! not-allowed one. Chromium runs with `--dump-dom` and the test reads what the page shows.
//!
//! Without `chromium` on `PATH` the test prints a loud notice and passes, unless
//! `JWT_REQUIRE_BROWSER=1` (as in CI, where `.ci/chromium.sh` installs it), which turns the
//! notice into a failure.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/server.rs"]
mod server;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use server::Config;

/// The Chromium binary, or `None` after a loud notice (a failure when `JWT_REQUIRE_BROWSER=1`).
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("JWT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "chromium is not on PATH and JWT_REQUIRE_BROWSER=1: install it (apt-get install chromium)"
        );
        let banner = format!(
            "\n{stars}\n*  SKIPPED: chromium is not on PATH, so the browser test of the front end\n\
             *  did NOT run. Install it (apt-get install chromium), or set\n\
             *  JWT_REQUIRE_BROWSER=1 to turn this notice into a failure.\n{stars}\n",
            stars = "*".repeat(78)
        );
        // Straight to the process's stderr: libtest swallows `eprintln!` of a passing test.
        let _ = std::io::stderr().write_all(banner.as_bytes());
    }
    found.map(PathBuf::from)
}

/// The API and two copies of the front end: one on the origin the API allows, one on an
/// origin it does not. Served until the runtime is dropped.
struct Site {
    api: String,
    allowed: String,
    not_allowed: String,
    _runtime: tokio::runtime::Runtime,
}

fn start() -> Site {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let site = runtime.block_on(async {
        let bind = || tokio::net::TcpListener::bind("127.0.0.1:0");
        let (api, allowed, not_allowed) = (
            bind().await.unwrap(),
            bind().await.unwrap(),
            bind().await.unwrap(),
        );
        let origin = |listener: &tokio::net::TcpListener| {
            format!("http://{}", listener.local_addr().unwrap())
        };
        let (api_base, allowed_base, not_allowed_base) =
            (origin(&api), origin(&allowed), origin(&not_allowed));
        let router = server::app(&Config {
            port: 0,
            allowed_origins: vec![allowed_base.clone()],
            ..Config::default()
        })
        .await
        .unwrap();
        tokio::spawn(async move { axum::serve(api, router).await });
        for listener in [allowed, not_allowed] {
            let page = server::frontend(&api_base);
            tokio::spawn(async move { axum::serve(listener, page).await });
        }
        (api_base, allowed_base, not_allowed_base)
    });
    Site {
        api: site.0,
        allowed: site.1,
        not_allowed: site.2,
        _runtime: runtime,
    }
}

/// Loads `url` in headless Chromium, with a fresh profile named after `test`, and returns
/// the DOM once the page has settled.
fn dump_dom(chromium: &PathBuf, url: &str, test: &str) -> String {
    let profile =
        std::env::temp_dir().join(format!("jwt-test-chromium-{}-{test}", std::process::id()));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            // CI runs as root, where Chromium's sandbox cannot start.
            "--no-sandbox",
            // Containers often have a tiny /dev/shm.
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            // Virtual time runs as fast as the page lets it; fetches still wait for the API.
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).map(|_| text)
        })
    };
    let reader = read_all(Box::new(child.stdout.take().unwrap()));
    let errors = read_all(Box::new(child.stderr.take().unwrap()));
    // A hung browser must not hang the test run.
    let mut waited = Duration::ZERO;
    while child.try_wait().unwrap().is_none() {
        if waited > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish loading {url} in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    let _ = std::fs::remove_dir_all(&profile);
    let dom = reader.join().unwrap().unwrap();
    if !dom.contains("<body") {
        let errors = errors.join().unwrap().unwrap_or_default();
        panic!("chromium printed no page for {url}; its messages:\n{errors}");
    }
    dom
}

/// The steps the page shows, in order: `(step, ok, text)`.
fn steps(dom: &str) -> Vec<(String, bool, String)> {
    let mut steps = Vec::new();
    let mut rest = dom;
    while let Some(start) = rest.find("<li data-step=\"") {
        rest = &rest[start + "<li data-step=\"".len()..];
        let step_end = rest.find('"').unwrap();
        let step = rest[..step_end].to_owned();
        let ok = rest[step_end..].starts_with("\" data-ok=\"true\"");
        let text_start = rest.find('>').unwrap() + 1;
        let text_end = rest.find("</li>").unwrap();
        let text = rest[text_start..text_end].replace("&amp;", "&");
        steps.push((step, ok, text));
        rest = &rest[text_end..];
    }
    steps
}

#[test]
fn the_page_on_an_allowed_origin_signs_in_refreshes_and_signs_out() {
    let Some(chromium) = chromium() else {
        return;
    };
    let site = start();
    let dom = dump_dom(&chromium, &format!("{}/?demo", site.allowed), "allowed");
    assert!(
        dom.contains(r#"<p id="status" data-done="true">done</p>"#),
        "the demo did not finish:\n{dom}"
    );
    assert!(dom.contains(&site.api), "the page names its API:\n{dom}");
    let shown = steps(&dom);
    let expected: [(&str, bool, &str); 8] = [
        ("login", true, "login: 200, access token for 900 s"),
        ("me", true, "me: 200, alice"),
        (
            "refresh",
            true,
            "refresh: 200, new pair (refresh token rotated)",
        ),
        ("me-after-refresh", true, "me-after-refresh: 200, alice"),
        ("logout", true, "logout: 200, every token revoked"),
        (
            "me-after-logout",
            false,
            "me-after-logout: 401 invalid_token: the token has been revoked",
        ),
        (
            "refresh-after-logout",
            false,
            "refresh-after-logout: 400 invalid_grant: the session was revoked, sign in again",
        ),
        ("storage", true, "storage: nothing stored by the page"),
    ];
    let shown: Vec<(&str, bool, &str)> = shown
        .iter()
        .map(|(step, ok, text)| (step.as_str(), *ok, text.as_str()))
        .collect();
    assert_eq!(shown, expected, "\n{dom}");
    // The last /me call failed: the page shows nobody signed in.
    assert!(
        dom.contains(r#"<strong id="user">nobody</strong>"#),
        "\n{dom}"
    );
}

#[test]
fn the_same_page_on_an_origin_the_api_does_not_allow_gets_no_answer() {
    let Some(chromium) = chromium() else {
        return;
    };
    let site = start();
    let dom = dump_dom(
        &chromium,
        &format!("{}/?demo", site.not_allowed),
        "not-allowed",
    );
    assert!(
        dom.contains(r#"<p id="status" data-done="true">done</p>"#),
        "the demo did not finish:\n{dom}"
    );
    let shown = steps(&dom);
    assert_eq!(shown.len(), 2, "\n{dom}");
    assert_eq!(
        (shown[0].0.as_str(), shown[0].1),
        ("login", false),
        "\n{dom}"
    );
    assert!(
        shown[0].2.starts_with("login: blocked"),
        "the browser must withhold the answer: {:?}",
        shown[0]
    );
    assert_eq!(
        shown[1],
        (
            "storage".to_owned(),
            true,
            "storage: nothing stored by the page".to_owned()
        )
    );
}
