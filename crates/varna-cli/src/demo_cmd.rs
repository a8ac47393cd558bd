//! `varna demo seed`: realistic synthetic screenings for demonstrations and benchmarks.
//!
//! Run by an administratör (`--as`) on a data folder set up with `varna init`, or without
//! `--as` on a folder that is not set up yet: then it sets the folder up as a demo
//! installation first (administratör `demo.admin`, first unit `DEMO-VUX`; the passphrase is
//! read like `varna init` reads it, and the recovery key is printed once). The seeder stores the
//! shipped instruments, makes sure three demo units and four demo accounts (`demo.hl1`…
//! `demo.hl3` handläggare, `demo.al1` arbetsledare) exist, gives each demo account a fresh
//! random passphrase that is never shown (so the accounts cannot be used to sign in unless an
//! administratör resets it), signs in as them and conducts the screenings through the public
//! core API: start, answers, and then complete (most), leave as a draft, or discard. The days
//! fall in the last twelve months, before today. Everything but the ids and timestamps is
//! determined by `--seed`. Only for demo and test data folders: the folder is marked as a demo
//! installation (logged), the only kind of store in which events may be placed in the past,
//! so that each screening's counts fall in the month of its samtal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use varna_core::export::PersonRole;
use varna_core::instrument::{self, AnswerValue, Item, ItemKind};
use varna_core::screening::NewScreening;
use varna_core::store::{FirstRun, NewAccount, Role, Store};
use varna_core::Error;

#[derive(Debug, Subcommand)]
pub enum DemoCmd {
    /// Generate synthetic screenings over the shipped instruments, demo units and the last 12
    /// months. Reads the passphrase of --as (an administratör; stdin: one line). Without --as
    /// on a folder not set up yet, sets it up as a demo installation first (administratör
    /// demo.admin; reads its new passphrase and prints the recovery key once).
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The data folder (set up with `varna init`, or to be set up as a demo installation).
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// An administratör of the folder; needed once it is set up.
    #[arg(long = "as", value_name = "ADMIN")]
    actor: Option<String>,
    /// How many screenings to create.
    #[arg(long, value_name = "N")]
    screenings: u32,
    /// Seed of the generator; the same seed gives the same screenings.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
}

const DEMO_UNITS: &[(&str, &str)] = &[
    ("DEMO-VUX", "Demo: vuxenenheten"),
    ("DEMO-BOU", "Demo: barn och unga"),
    ("DEMO-MOT", "Demo: mottagningen"),
];

/// `(username, display name, role, indexes into DEMO_UNITS)`.
const DEMO_ACCOUNTS: &[(&str, &str, Role, &[usize])] = &[
    ("demo.hl1", "Demo Handläggare 1", Role::Handlaggare, &[0]),
    ("demo.hl2", "Demo Handläggare 2", Role::Handlaggare, &[1, 2]),
    ("demo.hl3", "Demo Handläggare 3", Role::Handlaggare, &[2]),
    (
        "demo.al1",
        "Demo Arbetsledare 1",
        Role::Arbetsledare,
        &[0, 1, 2],
    ),
];

pub fn run(cmd: DemoCmd) -> Result<ExitCode, Error> {
    match cmd {
        DemoCmd::Seed(a) => seed(a),
    }
}

/// SplitMix64: tiny, deterministic across platforms and versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A passphrase nobody knows: two random (version 4) UUIDs, 244 bits from the system's
/// random source.
fn unknown_passphrase() -> String {
    format!(
        "demo-{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The administratör of a folder that `demo seed` sets up itself.
const DEMO_ADMIN: &str = "demo.admin";

fn seed(a: SeedArgs) -> Result<ExitCode, Error> {
    let mut admin = match &a.actor {
        Some(actor) => crate::unlock::unlock_as(&a.data_dir, actor)?,
        None if !Store::is_initialized(&a.data_dir) => crate::store_cmd::init_folder(
            &a.data_dir,
            &FirstRun {
                admin_username: DEMO_ADMIN,
                admin_display_name: "Demo Administratör",
                passphrase: "",
                unit_code: DEMO_UNITS[0].0,
                unit_name: DEMO_UNITS[0].1,
            },
        )?,
        None => {
            return Err(Error::InvalidInput(
                "this data folder is already set up: name one of its administratörer with \
                 --as (the passphrase is read from standard input)"
                    .into(),
            ))
        }
    };
    admin.sync_instruments(&instrument::shipped::shipped())?;
    let mut instruments: Vec<String> = admin.instruments()?.into_iter().map(|i| i.id).collect();
    instruments.sort();
    instruments.dedup();
    if instruments.is_empty() {
        return Err(Error::Internal("no shipped instruments".into()));
    }

    let mut unit_ids = Vec::new();
    for (code, name) in DEMO_UNITS {
        let unit = match admin.unit_by_code(code) {
            Ok(u) => u,
            Err(Error::NotFound(_)) => admin.add_unit(code, name)?,
            Err(e) => return Err(e),
        };
        unit_ids.push(unit.id);
    }
    let mut workers = Vec::new();
    for (username, display_name, role, units) in DEMO_ACCOUNTS {
        let pass = unknown_passphrase();
        let units: Vec<String> = units.iter().map(|&i| unit_ids[i].clone()).collect();
        match admin.account_by_username(username) {
            Ok(acc) => {
                admin.set_account_units(&acc.id, &units)?;
                admin.reset_passphrase(&acc.id, &pass)?;
            }
            Err(Error::NotFound(_)) => {
                admin.add_account(NewAccount {
                    username,
                    display_name,
                    role: *role,
                    unit_ids: units.clone(),
                    passphrase: &pass,
                })?;
            }
            Err(e) => return Err(e),
        }
        workers.push((*username, pass, units));
    }
    // Counts are filed under the month each event happens: marking the folder as a demo
    // installation lets the generator place its events in the past year (logged).
    admin.mark_demo_installation()?;
    admin.lock();

    // Decide every screening first, so the plan depends on the seed alone.
    let mut rng = Rng(a.seed ^ 0x5641_524E_4100_0000);
    let mut plans: Vec<Vec<u64>> = vec![Vec::new(); workers.len()];
    for _ in 0..a.screenings {
        // Handläggare conduct most screenings; the arbetsledare some.
        let w = if rng.chance(10) {
            workers.len() - 1
        } else {
            rng.below(workers.len() as u64 - 1) as usize
        };
        plans[w].push(rng.next());
    }

    let today = chrono::Local::now().date_naive();
    let (mut completed, mut drafts, mut discarded) = (0u32, 0u32, 0u32);
    let bar = crate::progress::bar(u64::from(a.screenings), "screenings");
    for ((username, pass, units), plan) in workers.iter().zip(plans) {
        if plan.is_empty() {
            continue;
        }
        let mut store = Store::unlock(&a.data_dir, username, pass)?;
        for s in plan {
            let mut r = Rng(s);
            let new = NewScreening {
                instrument_id: r.pick(&instruments).clone(),
                instrument_version: None,
                unit_id: r.pick(units).clone(),
                person_role: *r.pick(&[
                    PersonRole::Valdsutsatt,
                    PersonRole::Valdsutsatt,
                    PersonRole::Valdsutsatt,
                    PersonRole::Valdsutovare,
                    PersonRole::Barn,
                    PersonRole::Anhorig,
                ]),
                conducted_on: today - chrono::Days::new(1 + r.below(364)),
                case_ref: r
                    .chance(40)
                    .then(|| format!("DEMO-{:05}", r.below(100_000))),
                follows: None,
            };
            // The whole screening happens on the day of its samtal (a demo installation).
            let at = new
                .conducted_on
                .and_hms_opt(10, 0, 0)
                .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_else(chrono::Utc::now);
            let ended = store.demo_backdated(at, |store| {
                let doc = store.start_screening(new)?;
                let outcome = r.below(100);
                let fill_all = outcome < 85;
                answer(
                    store,
                    &doc.id,
                    &doc.definition,
                    doc.conducted_on,
                    fill_all,
                    &mut r,
                )?;
                Ok(if outcome < 75 {
                    match store.complete_screening(&doc.id) {
                        Ok(_) => Ended::Completed,
                        // An instrument this generator cannot finish stays a draft.
                        Err(Error::InvalidInput(_)) => Ended::Draft,
                        Err(e) => return Err(e),
                    }
                } else if outcome < 85 {
                    store.discard_screening(&doc.id)?;
                    Ended::Discarded
                } else {
                    Ended::Draft
                })
            })?;
            match ended {
                Ended::Completed => completed += 1,
                Ended::Draft => drafts += 1,
                Ended::Discarded => discarded += 1,
            }
            bar.inc(1);
        }
        store.lock();
    }
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Seeded {} screenings: {completed} completed, {drafts} drafts, {discarded} discarded.",
        a.screenings
    );
    Ok(ExitCode::SUCCESS)
}

/// Answers the shown items: every required one (in a few passes, as answers reveal items)
/// and about half of the optional ones; with `fill_all` false it stops part-way.
fn answer(
    store: &mut Store,
    id: &str,
    def: &instrument::Instrument,
    conducted_on: chrono::NaiveDate,
    fill_all: bool,
    r: &mut Rng,
) -> Result<(), Error> {
    let items: Vec<&Item> = def.items().collect();
    let mut answered = std::collections::BTreeSet::new();
    let mut ev = std::sync::Arc::new(store.screening(id)?.evaluation);
    for _pass in 0..4 {
        let mut any = false;
        for item in &items {
            if !ev.is_visible(&item.id) {
                continue;
            }
            for key in item.answer_keys() {
                let k = key.to_string();
                let required = item.required || ev.missing_required.contains(&key);
                if answered.contains(&k) || !(required || r.chance(50)) {
                    continue;
                }
                answered.insert(k.clone());
                if !fill_all && r.chance(30) {
                    return Ok(());
                }
                let value = value_for(item, r, conducted_on);
                // An answer the instrument refuses (a rule this generator does not know)
                // is skipped, like a worker correcting it.
                match store.save_answer(id, &k, Some(value)) {
                    Ok(saved) => {
                        ev = saved.evaluation;
                        any = true;
                    }
                    Err(Error::InvalidInput(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        // Answers still missing that are not plain items (e.g. an override's reason).
        for key in ev.missing_required.clone() {
            if let Some(item) = items.iter().find(|i| i.id == key.item) {
                let k = key.to_string();
                if answered.insert(k.clone()) {
                    if let Ok(saved) =
                        store.save_answer(id, &k, Some(value_for(item, r, conducted_on)))
                    {
                        ev = saved.evaluation;
                        any = true;
                    }
                }
            }
        }
        if ev.complete || !any {
            break;
        }
    }
    Ok(())
}

/// A plausible answer for an item.
fn value_for(item: &Item, r: &mut Rng, conducted_on: chrono::NaiveDate) -> AnswerValue {
    if item.allow_decline && r.chance(3) {
        return AnswerValue::Declined;
    }
    if item.allow_unknown && r.chance(3) {
        return AnswerValue::DontKnow;
    }
    let ids = |cs: &[instrument::Choice]| cs.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    match &item.kind {
        ItemKind::YesNo => AnswerValue::YesNo(r.chance(35)),
        ItemKind::SingleChoice { options } => AnswerValue::Choice(r.pick(&ids(options)).clone()),
        ItemKind::Frequency { levels } | ItemKind::Rating { levels } => {
            // Lower levels are more common.
            let all = ids(levels);
            let i = (r.below(all.len() as u64) * r.below(all.len() as u64)) as usize / all.len();
            AnswerValue::Choice(all[i.min(all.len() - 1)].clone())
        }
        ItemKind::MultiChoice {
            options,
            min_selected,
            max_selected,
        } => {
            let all = ids(options);
            let min = min_selected.unwrap_or(0) as usize;
            let max = max_selected
                .map_or(all.len(), |m| m as usize)
                .min(all.len());
            let n = min + r.below((max.saturating_sub(min) + 1) as u64) as usize;
            let start = r.below(all.len() as u64) as usize;
            let mut picked: Vec<String> = (0..n)
                .map(|i| all[(start + i) % all.len()].clone())
                .collect();
            picked.sort();
            AnswerValue::Choices(picked)
        }
        ItemKind::Scale { min, max, .. } => {
            AnswerValue::Integer(min + r.below((max - min + 1).max(1) as u64) as i64)
        }
        ItemKind::Date => {
            let d = chrono::Local::now().date_naive() - chrono::Days::new(r.below(700));
            AnswerValue::Date(d.format("%Y-%m-%d").to_string())
        }
        ItemKind::Number { min, max, .. } => {
            let lo = min.unwrap_or(0.0).ceil() as i64;
            let hi = max.unwrap_or(lo as f64 + 20.0).floor() as i64;
            AnswerValue::Integer(lo + r.below((hi - lo + 1).max(1) as u64) as i64)
        }
        ItemKind::ShortText { .. } => AnswerValue::Text(
            r.pick(&[
                "Enligt klienten",
                "Uppgift från skolan",
                "Oklart",
                "Se journal",
            ])
            .to_string(),
        ),
        ItemKind::LongText { .. } => AnswerValue::Text(
            r.pick(&[
                "Klienten beskriver situationen lugnt och sammanhängande.",
                "Samtalet avbröts kort; fortsätter vid nästa möte.",
                "Tolk medverkade. Inga ytterligare uppgifter.",
            ])
            .to_string(),
        ),
        ItemKind::List {
            fields,
            min_entries,
            ..
        } => {
            let n = min_entries.unwrap_or(1).max(1) as usize;
            AnswerValue::Entries(
                (0..n)
                    .map(|_| {
                        fields
                            .iter()
                            .map(|f| (f.id.clone(), value_for(f, r, conducted_on)))
                            .collect()
                    })
                    .collect(),
            )
        }
        ItemKind::Calendar { levels, months, .. } => {
            // A few incidents, counted back from the day of the samtal.
            let n = r.below(5);
            let incidents = (0..n)
                .map(|_| {
                    let back = chrono::Months::new(r.below(u64::from(*months)) as u32);
                    let day = conducted_on - back;
                    instrument::calendar::Incident {
                        date: if r.chance(50) {
                            day.format("%Y-%m").to_string()
                        } else {
                            day.format("%Y-%m-%d").to_string()
                        },
                        severity: r.pick(&ids(levels)).clone(),
                        description: None,
                    }
                })
                .collect();
            AnswerValue::Calendar(instrument::calendar::CalendarAnswer {
                as_of: conducted_on.format("%Y-%m-%d").to_string(),
                incidents,
            })
        }
    }
}

/// How a generated screening ended.
enum Ended {
    Completed,
    Draft,
    Discarded,
}
