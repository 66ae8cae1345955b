//! jsonwebtoken with its aws-lc-rs backend. jsonwebtoken installs one backend per
//! process, so this is its own binary; `run.sh` merges both into one table.

mod common;

fn main() {
    jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
        .install_default()
        .expect("the first provider of this process");
    let contenders = jwt_bench::contenders("jsonwebtoken-aws-lc", false);
    let mut criterion = common::criterion();
    common::run(&mut criterion, &contenders);
    criterion.final_summary();
}
