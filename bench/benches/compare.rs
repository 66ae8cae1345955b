//! jwt-runtime against the floor, jsonwebtoken (rust_crypto), jwt-simple and jwt-compact.

mod common;

fn main() {
    jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
        .install_default()
        .expect("the first provider of this process");
    let contenders = jwt_bench::contenders("jsonwebtoken", true);
    let mut criterion = common::criterion();
    common::run(&mut criterion, &contenders);
    criterion.final_summary();
}
