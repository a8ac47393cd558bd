//! Accessibility as a test: runs axe-core (the npm package `axe-core`, a devDependency of
//! `ui/`, read from `ui/node_modules/axe-core/axe.min.js`) in the running app through
//! WebDriver with the WCAG 2.1 A and AA rules, and turns every violation into a readable
//! failure: rule id, impact, the CSS selectors of the offending elements and axe's help text.
//!
//! axe is injected once per page (the app is a single page, so once per app session) and run
//! on the whole document. A screen with violations also leaves a screenshot,
//! `target/e2e-artifacts/a11y-<screen>.png`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{artifacts_dir, workspace_root, App, TestResult};

/// The WCAG 2.1 A/AA tags axe runs with.
pub const WCAG_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// The axe-core script, read from `ui/node_modules` (run `cd ui && npm ci` first).
fn axe_source() -> Result<String, String> {
    let path = workspace_root().join("ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {} ({e}); run `cd ui && npm ci` first",
            path.display()
        )
    })
}

/// Runs `script` with `args` and retries once: tauri-driver's pooled connection can go stale,
/// and a second attempt on a fresh connection is reliable. Both scripts here are idempotent.
async fn execute_retry(
    app: &App,
    script: &str,
    args: Vec<Value>,
    is_async: bool,
) -> Result<Value, String> {
    let mut last = String::new();
    for attempt in 0..2 {
        let call = async {
            if is_async {
                app.client.execute_async(script, args.clone()).await
            } else {
                app.client.execute(script, args.clone()).await
            }
        };
        match tokio::time::timeout(Duration::from_secs(30), call).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = "timed out after 30 s".into(),
        }
        if attempt == 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Err(last)
}

/// Injects axe-core into the page unless it is there already.
async fn inject(app: &App) -> Result<(), String> {
    let present =
        execute_retry(app, "return typeof window.axe === 'object';", vec![], false).await?;
    if present == json!(true) {
        return Ok(());
    }
    let script = format!("{}\n;return typeof window.axe === 'object';", axe_source()?);
    let ok = execute_retry(app, &script, vec![], false).await?;
    if ok != json!(true) {
        return Err(format!("axe-core did not load into the page: {ok}"));
    }
    Ok(())
}

const RUN_AXE: &str = r#"
const [tags, done] = arguments;
window.axe
  .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
  .then(
    (r) => done({ ok: r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
    })), incomplete: r.incomplete.map((v) => `${v.id} (${v.nodes.length})`) }),
    (e) => done({ err: String(e) }),
  );
"#;

/// One violation of one rule on one screen, ready to print.
#[derive(Debug, Clone)]
pub struct Violation {
    pub screen: String,
    pub rule: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
    pub summaries: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "[{}] {} ({}): {}",
            self.screen, self.rule, self.impact, self.help
        )?;
        for (target, summary) in self.targets.iter().zip(&self.summaries) {
            writeln!(f, "    at {target}")?;
            for line in summary.lines() {
                writeln!(f, "       {line}")?;
            }
        }
        Ok(())
    }
}

/// Runs axe on what the app shows now and returns its violations (WCAG 2.1 A/AA); leaves a
/// screenshot `a11y-<screen>.png` in the artifacts folder when there are any.
pub async fn violations(app: &App, screen: &str) -> Result<Vec<Violation>, String> {
    inject(app).await?;
    let tags = json!(WCAG_TAGS);
    let result = execute_retry(app, RUN_AXE, vec![tags], true).await?;
    let list = match (result.get("ok"), result.get("err")) {
        (Some(Value::Array(list)), _) => list.clone(),
        (_, Some(err)) => return Err(format!("axe.run failed on {screen}: {err}")),
        _ => return Err(format!("axe.run answered {result}")),
    };
    // What axe could not decide (e.g. contrast over an image) is printed, not failed.
    if let Some(Value::Array(unsure)) = result.get("incomplete") {
        if !unsure.is_empty() {
            let ids: Vec<&str> = unsure.iter().filter_map(Value::as_str).collect();
            eprintln!("a11y: {screen}: for a person to review: {}", ids.join(", "));
        }
    }
    let found: Vec<Violation> = list
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
            let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
            Violation {
                screen: screen.to_owned(),
                rule: s("id"),
                impact: s("impact"),
                help: format!("{} <{}>", s("help"), s("helpUrl")),
                targets: nodes
                    .iter()
                    .map(|n| match &n["target"] {
                        Value::Array(parts) => parts
                            .iter()
                            .map(|p| p.as_str().map(str::to_owned).unwrap_or(p.to_string()))
                            .collect::<Vec<_>>()
                            .join(" >>> "),
                        other => other.to_string(),
                    })
                    .collect(),
                summaries: nodes
                    .iter()
                    .map(|n| n["summary"].as_str().unwrap_or("").to_owned())
                    .collect(),
            }
        })
        .collect();
    if !found.is_empty() {
        let path = artifacts_dir().join(format!("a11y-{}.png", file_name(screen)));
        match app.screenshot_to(&path).await {
            Ok(()) => eprintln!("a11y: {screen}: screenshot {}", path.display()),
            Err(e) => eprintln!("a11y: {screen}: could not save a screenshot: {e}"),
        }
    }
    Ok(found)
}

fn file_name(screen: &str) -> String {
    screen
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The failure: its `Debug` is the plain report, so a test's `Error: …` line reads well.
pub struct A11yFailure(pub String);

impl std::fmt::Debug for A11yFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for A11yFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for A11yFailure {}

fn report(found: &[Violation]) -> String {
    let mut out = format!(
        "{} accessibility violation(s) (WCAG 2.1 A/AA):\n",
        found.len()
    );
    for v in found {
        out.push_str(&v.to_string());
    }
    out
}

/// Fails unless axe finds no WCAG 2.1 A/AA violation on what the app shows now.
pub async fn assert_accessible(app: &App, screen: &str) -> TestResult {
    let found = violations(app, screen).await?;
    if found.is_empty() {
        eprintln!("a11y: {screen}: no violations");
        return Ok(());
    }
    Err(Box::new(A11yFailure(report(&found))))
}

/// Collects the violations of many screens and fails once at the end, so one run lists every
/// problem rather than the first screen's.
#[derive(Default)]
pub struct Audit {
    found: Vec<Violation>,
    screens: Vec<String>,
}

impl Audit {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks what the app shows now as `screen`.
    pub async fn check(&mut self, app: &App, screen: &str) -> TestResult {
        let found = violations(app, screen).await?;
        eprintln!("a11y: {screen}: {} violation(s)", found.len());
        self.screens.push(screen.to_owned());
        self.found.extend(found);
        Ok(())
    }

    /// The screens checked so far.
    pub fn screens(&self) -> &[String] {
        &self.screens
    }

    /// Fails with every violation found, if any.
    pub fn finish(self) -> TestResult {
        if self.found.is_empty() {
            return Ok(());
        }
        Err(Box::new(A11yFailure(report(&self.found))))
    }
}
