//! Policy engine benchmarks (issue 3, "Numbers"): SLA clocks for a case of 200 events
//! (target < 50 µs), rendering a policy (target < 5 ms per format), and reading + linting a
//! policy file. Run with `bench/policy.sh` (or `cargo bench -p embargo-bench`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use embargo_bench::{EXAMPLE_POLICIES, case_history};
use embargo_domain::policy::{Policy, lint};
use embargo_domain::sla;
use embargo_formats::{policy_html, security_md, security_txt};
use jiff::Timestamp;
use jiff::civil::{Date, date};

const TODAY: Date = date(2025, 11, 3);

fn policies() -> Vec<(&'static str, &'static str, Policy)> {
    EXAMPLE_POLICIES
        .iter()
        .filter_map(|(name, src)| Some((*name, *src, Policy::from_toml(src, name).ok()?)))
        .collect()
}

fn sla_clocks(c: &mut Criterion) {
    // A Friday afternoon report: business clocks start by skipping a weekend.
    let Ok(t0) = "2025-11-07T16:30:00Z".parse::<Timestamp>() else {
        return;
    };
    let mut g = c.benchmark_group("sla_200_events");
    for (name, _, p) in policies() {
        let Ok(cal) = p.business_calendar() else {
            continue;
        };
        let channel = p.channels.first().map(|ch| ch.id.as_str());
        let (events, now) = case_history(200, t0, channel);
        g.bench_function(format!("evaluate/{name}"), |b| {
            b.iter(|| sla::evaluate(black_box(&p), &cal, black_box(&events), now))
        });
        // The same, building the business calendar from the policy each time.
        g.bench_function(format!("calendar+evaluate/{name}"), |b| {
            b.iter(|| {
                p.business_calendar()
                    .map(|cal| sla::evaluate(black_box(&p), &cal, black_box(&events), now))
            })
        });
    }
    g.finish();
}

fn render(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    for (name, _, p) in policies() {
        g.bench_function(format!("security_md/{name}"), |b| {
            b.iter(|| security_md::render(black_box(&p), TODAY))
        });
        g.bench_function(format!("security_txt/{name}"), |b| {
            b.iter(|| security_txt::render(black_box(&p), TODAY))
        });
        g.bench_function(format!("html/{name}"), |b| {
            b.iter(|| policy_html::render(black_box(&p), TODAY))
        });
    }
    g.finish();
}

fn read(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    for (name, src, _) in policies() {
        g.bench_function(format!("from_toml+lint/{name}"), |b| {
            b.iter(|| {
                let p = Policy::from_toml(black_box(src), name);
                let d = lint(black_box(src), name, TODAY);
                (p, d)
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    // Short runs: 35 benchmarks, and the numbers are far from their targets.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = sla_clocks, render, read
}
criterion_main!(benches);
