//! The triage engine alone: check-ins per second on one core, over a mix
//! like a clinic's (mostly mild local reactions, some systemic patterns).
//! Run: cargo bench --bench triage

use aftercare::domain::symptoms::{Severities, Symptom};
use aftercare::domain::triage::{
    triage, Glucose, History, MedicalCare, Observation, Route, Thresholds, TreatmentFacts, Vitals,
};
use chrono::Duration;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// A small deterministic generator, so every run triages the same inputs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn clinic_mix(count: usize) -> Vec<(Observation, History)> {
    let mut rng = Lcg(42);
    (0..count)
        .map(|_| {
            let day = [0, 1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 42, 90][rng.below(14) as usize];
            let mut s = Severities::default();
            let fade = |rng: &mut Lcg| {
                u8::try_from(rng.below(3))
                    .unwrap_or(0)
                    .saturating_sub(u8::from(day > 3))
            };
            for local in [
                Symptom::Redness,
                Symptom::Swelling,
                Symptom::Pain,
                Symptom::Bruising,
            ] {
                s.set(local, fade(&mut rng));
            }
            let roll = rng.below(100);
            if roll < 3 {
                s.set(Symptom::Hives, 2);
                s.set(
                    Symptom::ThroatTightness,
                    u8::try_from(rng.below(3)).unwrap_or(0),
                );
            } else if roll < 6 {
                s.set(Symptom::ColdSweat, 1);
                s.set(Symptom::Tremor, 1);
            } else if roll < 10 {
                s.set(Symptom::Headache, u8::try_from(rng.below(5)).unwrap_or(0));
            }
            let vitals = Vitals {
                glucose: (roll < 8).then(|| Glucose::mg_dl(40.0 + rng.below(80) as f64)),
                systolic_bp: (roll < 5).then(|| 80.0 + rng.below(60) as f64),
                temperature_c: roll
                    .is_multiple_of(7)
                    .then(|| 36.0 + rng.below(30) as f64 / 10.0),
            };
            let treatment = TreatmentFacts {
                route: if roll.is_multiple_of(4) {
                    Route::Intravenous
                } else {
                    Route::Injection
                },
                face_or_scalp: !roll.is_multiple_of(4),
                baseline_systolic_bp: roll.is_multiple_of(3).then_some(125.0),
            };
            let mut history = History::default();
            for earlier in 0..day.min(4) {
                history.add(&Observation {
                    day: earlier,
                    elapsed: Duration::hours(earlier * 24 + 2),
                    treatment,
                    severities: Severities::default()
                        .with(Symptom::Redness, u8::try_from(rng.below(3)).unwrap_or(0))
                        .with(Symptom::Swelling, 1),
                    ..Observation::default()
                });
            }
            let observation = Observation {
                day,
                elapsed: Duration::hours(day * 24 + 3),
                treatment,
                severities: s,
                vitals,
                medical_care: if roll == 99 {
                    MedicalCare::Clinic
                } else {
                    MedicalCare::None
                },
            };
            (observation, history)
        })
        .collect()
}

fn bench_triage(c: &mut Criterion) {
    let inputs = clinic_mix(10_000);
    let thresholds = Thresholds::default();
    let mut group = c.benchmark_group("triage");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function("10k_clinic_mix", |b| {
        b.iter(|| {
            for (observation, history) in &inputs {
                black_box(triage(black_box(observation), history, &thresholds));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_triage);
criterion_main!(benches);
