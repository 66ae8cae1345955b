//! A one-time link: a password-reset token that works once.
//!
//! ```text
//! cargo run --example one_time_link                                   # in-memory store
//! cargo run --example one_time_link -- --redis redis://127.0.0.1:6379/   # shared, on Redis
//! ```
//!
//! The claims type declares `jti`, which makes its tokens one-use: they can only be decoded
//! through a replay store, which remembers each consumed id until the token expires. With
//! `--redis`, two stores stand for two servers behind a load balancer: the link used on one
//! is rejected by the other.

use std::process::ExitCode;
use std::time::Duration;

use jwt_runtime::replay::{MemoryStore, RedisStore, ReplayStore};
use jwt_runtime::{Claims, Error, HmacKey, Hs256, NumericDate, Validation};

/// The token in a "reset your password" link.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "reset.example.com")]
struct ResetLink {
    /// Whose password may be reset.
    sub: String,
    /// Links are short-lived; the store forgets the id when the link expires.
    exp: NumericDate,
    /// One-use: the id the replay store remembers.
    jti: String,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let redis_url = match args.as_slice() {
        [] => None,
        [flag, url] if flag == "--redis" => Some(url.clone()),
        _ => {
            eprintln!("usage: one_time_link [--redis redis://127.0.0.1:6379/]");
            return ExitCode::from(2);
        }
    };
    match run(redis_url.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(redis_url: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    let key = HmacKey::<Hs256>::generate()?;

    // The issuing side: mint a link valid for 15 minutes, with a fresh unique id.
    let link = ResetLink {
        sub: "ada@example.com".into(),
        exp: NumericDate::now() + Duration::from_secs(15 * 60),
        // 128 random bits, base64url: unique, and unguessable so nobody can burn it first.
        jti: jwt_runtime::random_token_id()?,
    };
    let token = link.encode(&key)?;
    println!("reset link: https://example.com/reset?token={token}\n");

    // The verifying side: every server with the same store sees the same consumed ids.
    let (first_server, second_server): (Box<dyn ReplayStore>, Box<dyn ReplayStore>) =
        match redis_url {
            None => {
                println!("store: in memory (one process)");
                let store = std::sync::Arc::new(MemoryStore::new());
                (Box::new(store.clone()), Box::new(store))
            }
            Some(url) => {
                println!("store: Redis at {url}, two stores standing for two servers");
                let first = RedisStore::open(url)?;
                first.ping()?;
                (Box::new(first), Box::new(RedisStore::open(url)?))
            }
        };

    let validation = Validation::new();
    let accepted: ResetLink = validation.decode_once(&token, &key, &first_server)?;
    println!(
        "first use (server 1):  accepted, may reset the password of {}",
        accepted.sub
    );

    match validation.decode_once::<ResetLink, _, _>(&token, &key, &second_server) {
        Err(Error::Replayed) => println!("second use (server 2): rejected: {}", Error::Replayed),
        Ok(_) => return Err("the link was accepted twice".into()),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
