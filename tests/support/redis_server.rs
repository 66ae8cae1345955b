//! A `redis-server` child process for the tests that need a real Redis
//! (`tests/replay_redis.rs`, `tests/http_redis.rs`), on a free loopback port.
//!
//! Without `redis-server` on `PATH` a test prints a loud notice and passes, unless
//! `JWT_REQUIRE_REDIS=1` (as in CI), which turns the notice into a failure.

// Each test file includes this module and uses only part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// True when `redis-server` is installed. Otherwise prints a banner naming `suite` and
/// returns false, or panics when `JWT_REQUIRE_REDIS=1`.
pub fn redis_installed(suite: &str) -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var("JWT_REQUIRE_REDIS").as_deref() != Ok("1"),
            "redis-server is not on PATH and JWT_REQUIRE_REDIS=1: install it (apt-get install redis-server)"
        );
        let banner = format!(
            "\n{stars}\n*  SKIPPED: redis-server is not on PATH, so the {suite} did NOT run.\n\
             *  Install it (apt-get install redis-server), or set JWT_REQUIRE_REDIS=1 to turn\n\
             *  this notice into a failure.\n{stars}\n",
            stars = "*".repeat(78)
        );
        // Straight to the process's stderr: libtest swallows `eprintln!` of a passing test.
        let _ = std::io::stderr().write_all(banner.as_bytes());
    }
    found
}

/// A free loopback port (and, for cluster nodes, its bus port `port + 10000` too).
pub fn free_port(with_bus: bool) -> u16 {
    for _ in 0..200 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if !with_bus {
            return port;
        }
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair");
}

/// A `redis-server` child process on a loopback port, with its own directory; killed and
/// cleaned up on drop.
pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    extra: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts on a free port with these extra arguments, and waits until it answers.
    pub fn start(extra: &[&str]) -> RedisServer {
        Self::start_on(free_port(false), extra)
    }

    pub fn start_on(port: u16, extra: &[&str]) -> RedisServer {
        let dir =
            std::env::temp_dir().join(format!("jwt-test-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = RedisServer {
            port,
            dir,
            extra: extra.iter().map(|arg| (*arg).to_owned()).collect(),
            child: None,
        };
        server.restart();
        server
    }

    /// Starts (again) on the same port and directory, and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let port = self.port.to_string();
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--logfile",
                "",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        for _ in 0..400 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("redis-server on port {port} exited: {status}");
            }
            if self.ping() {
                self.child = Some(child);
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server on port {port} did not answer");
    }

    /// `PING` in the Redis protocol, over a plain socket.
    pub fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    /// SIGKILL: no chance to save or say goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
