//! The end-to-end harness: starts the real `varna-app` binary under Xvfb through
//! `tauri-driver` (which starts `WebKitWebDriver`), and hands the test a WebDriver client.
//!
//! Every [`App`] gets its own virtual display, its own driver port and its own data folder,
//! so tests cannot see each other's state. All processes are started in their own process
//! group and killed as a group when the `App` is dropped, so nothing lingers. When a test
//! fails (error or panic), a screenshot is written to `target/e2e-artifacts/<test>.png`.
//!
//! The app binary is `$VARNA_APP_BIN`, or `target/debug/varna-app` of this workspace.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;

pub mod a11y;
pub mod support;

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// How long the harness waits for an element to appear.
pub const UI_WAIT: Duration = Duration::from_secs(30);

/// A WebDriver step that failed, with what it was waiting for or doing.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct UiError {
    pub what: String,
    #[source]
    pub source: fantoccini::error::CmdError,
}

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                workspace_root().join(p)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The app binary under test.
pub fn app_binary() -> PathBuf {
    std::env::var_os("VARNA_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/varna-app"))
}

/// Where failed tests leave their screenshots.
pub fn artifacts_dir() -> PathBuf {
    target_dir().join("e2e-artifacts")
}

/// A child process started in its own process group; dropping it kills the whole group.
struct GroupChild {
    child: Child,
}

impl GroupChild {
    fn spawn(cmd: &mut Command) -> std::io::Result<Self> {
        cmd.process_group(0);
        Ok(Self {
            child: cmd.spawn()?,
        })
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        let pgid = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &pgid])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &pgid])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "nothing listened on port {port} within {timeout:?}"
    ))
}

/// Starts Xvfb and lets it choose a free display number (`-displayfd`).
fn start_xvfb() -> Result<(GroupChild, String), String> {
    let mut cmd = Command::new("Xvfb");
    cmd.args([
        "-displayfd",
        "1",
        "-screen",
        "0",
        "1280x800x24",
        "-nolisten",
        "tcp",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut xvfb = GroupChild::spawn(&mut cmd).map_err(|e| format!("cannot start Xvfb: {e}"))?;
    let mut stdout = xvfb.child.stdout.take().expect("piped stdout");
    let mut number = String::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).map_err(|e| e.to_string())? == 1 {
        if byte[0] == b'\n' {
            break;
        }
        number.push(byte[0] as char);
    }
    if number.trim().is_empty() {
        return Err("Xvfb did not report a display number".into());
    }
    Ok((xvfb, format!(":{}", number.trim())))
}

/// The running app under test. Field order matters: the client goes first, then the driver
/// (which takes WebKitWebDriver and the app with it), then the display, then the data folder.
pub struct App {
    pub client: Client,
    _driver: GroupChild,
    _xvfb: GroupChild,
    data_dir: tempfile::TempDir,
}

impl App {
    /// Starts the app with a fresh, empty data folder.
    pub async fn start() -> Result<Self, String> {
        let data_dir = tempfile::Builder::new()
            .prefix("varna-e2e-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        Self::start_in(data_dir).await
    }

    /// Starts the app with a fresh, empty data folder and extra environment variables
    /// (e.g. the debug build's `VARNA_TEST_IDLE_SECONDS`).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Result<Self, String> {
        let data_dir = tempfile::Builder::new()
            .prefix("varna-e2e-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        Self::start_in_with_env(data_dir, env).await
    }

    /// Starts the app on an existing data folder (e.g. after a restart).
    pub async fn start_in(data_dir: tempfile::TempDir) -> Result<Self, String> {
        Self::start_in_with_env(data_dir, &[]).await
    }

    /// Starts the app on an existing data folder with extra environment variables.
    pub async fn start_in_with_env(
        data_dir: tempfile::TempDir,
        env: &[(&str, &str)],
    ) -> Result<Self, String> {
        let binary = app_binary();
        if !binary.is_file() {
            return Err(format!(
                "app binary {} not found; build it first (make test does)",
                binary.display()
            ));
        }
        let (xvfb, display) = start_xvfb()?;
        let port = free_port().map_err(|e| e.to_string())?;
        let native_port = free_port().map_err(|e| e.to_string())?;
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("DISPLAY", &display)
        .env("VARNA_DATA_DIR", data_dir.path().join("data"))
        // No accessibility bus on the test machine. (Do not set
        // WEBKIT_DISABLE_COMPOSITING_MODE: with it, WebDriver screenshots hang.)
        .env("NO_AT_BRIDGE", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let driver =
            GroupChild::spawn(&mut cmd).map_err(|e| format!("cannot start tauri-driver: {e}"))?;
        wait_for_port(port, Duration::from_secs(20))?;

        let caps: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(serde_json::json!({
                "browserName": "wry",
                "tauri:options": { "application": binary }
            }))
            .expect("static capabilities");
        // tauri-driver listens before its WebKitWebDriver is ready; on a busy machine the
        // first request can then be dropped. Try a few times before giving up.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            match ClientBuilder::new(hyper_connector())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if attempt < 5 => {
                    eprintln!("WebDriver session attempt {attempt} failed: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
                }
                Err(e) => return Err(format!("cannot open a WebDriver session: {e}")),
            }
        };
        Ok(App {
            client,
            _driver: driver,
            _xvfb: xvfb,
            data_dir,
        })
    }

    /// The app's data folder (`VARNA_DATA_DIR`), inside the test's own temporary folder.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.path().join("data")
    }

    /// Ends the session and stops every process, keeping the data folder for a restart.
    pub async fn stop(self) -> tempfile::TempDir {
        let App {
            client,
            _driver,
            _xvfb,
            data_dir,
        } = self;
        let _ = client.close().await;
        drop(_driver);
        drop(_xvfb);
        data_dir
    }

    /// Waits until an element with `data-testid` = `id` exists and returns it. The wait is
    /// generous (a KDF in a debug build on a loaded CI machine takes seconds); a failure names
    /// the element and how long was waited, so a red run says which step stopped.
    pub async fn by_test_id(&self, id: &str) -> Result<Element, UiError> {
        self.client
            .wait()
            .at_most(UI_WAIT)
            .for_element(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .map_err(|source| UiError {
                what: format!("[data-testid={id}] (waited up to {} s)", UI_WAIT.as_secs()),
                source,
            })
    }

    /// Waits until the element with `data-testid` = `id` shows exactly `expected`.
    pub async fn wait_for_text(&self, id: &str, expected: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.by_test_id(id).await {
                if let Ok(text) = el.text().await {
                    if text == expected {
                        return Ok(());
                    }
                    last = text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "[data-testid={id}] shows {last:?}, expected {expected:?}"
        ))
    }

    /// Kills this test's app process with SIGKILL, as a crash or a dead battery would.
    /// The app is found by its `VARNA_DATA_DIR`, so parallel tests are not disturbed.
    pub fn kill_app(&self) -> Result<(), String> {
        let wanted = format!("VARNA_DATA_DIR={}", self.data_dir().display());
        let mut killed = 0;
        for entry in std::fs::read_dir("/proc")
            .map_err(|e| e.to_string())?
            .flatten()
        {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(exe) = std::fs::read_link(entry.path().join("exe")) else {
                continue;
            };
            if !exe.to_string_lossy().ends_with("/varna-app") {
                continue;
            }
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            if environ.split(|b| *b == 0).any(|kv| kv == wanted.as_bytes()) {
                Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()
                    .map_err(|e| e.to_string())?;
                killed += 1;
            }
        }
        if killed == 0 {
            return Err("no app process of this test was found".into());
        }
        Ok(())
    }

    /// The X display (`DISPLAY`) this test's app runs on, read from the app process's
    /// environment (found by its `VARNA_DATA_DIR`), e.g. to read its clipboard with `xclip`.
    pub fn display(&self) -> Result<String, String> {
        let wanted = format!("VARNA_DATA_DIR={}", self.data_dir().display());
        for entry in std::fs::read_dir("/proc")
            .map_err(|e| e.to_string())?
            .flatten()
        {
            let Ok(exe) = std::fs::read_link(entry.path().join("exe")) else {
                continue;
            };
            if !exe.to_string_lossy().ends_with("/varna-app") {
                continue;
            }
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            let vars: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
            if vars.contains(&wanted.as_bytes()) {
                if let Some(d) = vars.iter().find_map(|kv| kv.strip_prefix(b"DISPLAY=")) {
                    return Ok(String::from_utf8_lossy(d).into_owned());
                }
            }
        }
        Err("no app process of this test was found".into())
    }

    /// Sends keys to whatever element has the focus (the keyboard-first way to use the app).
    pub async fn keys(&self, text: &str) -> Result<(), fantoccini::error::CmdError> {
        self.client.active_element().await?.send_keys(text).await
    }

    /// Waits until `[data-testid=id]` has attribute `attr` equal to `value`.
    pub async fn wait_for_attr(&self, css: &str, attr: &str, value: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = None;
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(v) = el.attr(attr).await {
                    if v.as_deref() == Some(value) {
                        return Ok(());
                    }
                    last = v;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("{css} has {attr}={last:?}, expected {value:?}"))
    }

    /// Types into the input with `data-testid` = `id`.
    pub async fn fill(&self, id: &str, text: &str) -> Result<(), UiError> {
        let el = self.by_test_id(id).await?;
        let typing = |source| UiError {
            what: format!("typing into [data-testid={id}]"),
            source,
        };
        el.clear().await.map_err(typing)?;
        el.send_keys(text).await.map_err(typing)
    }

    /// Calls an app command from the page, as the UI would, and returns
    /// `{ok: value}` or `{err: {code, message}}`.
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, fantoccini::error::CmdError> {
        self.client
            .execute_async(
                r#"const [cmd, args, done] = arguments;
                   window.__TAURI_INTERNALS__.invoke(cmd, args)
                     .then((ok) => done({ ok }), (err) => done({ err }));"#,
                vec![serde_json::json!(command), args],
            )
            .await
    }

    async fn screenshot_to(&self, path: &Path) -> Result<(), String> {
        let png = tokio::time::timeout(Duration::from_secs(20), self.client.screenshot())
            .await
            .map_err(|_| "the screenshot timed out".to_string())?
            .map_err(|e| e.to_string())?;
        std::fs::create_dir_all(path.parent().expect("has parent")).map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }
}

/// fantoccini without TLS: WebDriver runs on loopback only.
fn hyper_connector() -> HttpConnector {
    HttpConnector::new()
}

/// Runs one end-to-end test: starts the app, runs `body`, saves a screenshot when the body
/// fails or panics, stops every process, and reports the failure.
pub async fn run<F>(name: &str, body: F) -> TestResult
where
    F: AsyncFnOnce(&App) -> TestResult,
{
    let app = App::start().await?;
    run_on(name, app, body).await.map(|_| ())
}

/// Like [`run`] but on an app the caller started; returns the data folder for a restart.
pub async fn run_on<F>(
    name: &str,
    app: App,
    body: F,
) -> Result<tempfile::TempDir, Box<dyn std::error::Error + Send + Sync>>
where
    F: AsyncFnOnce(&App) -> TestResult,
{
    let outcome = AssertUnwindSafe(body(&app)).catch_unwind().await;
    let failed = !matches!(outcome, Ok(Ok(())));
    if failed {
        let path = artifacts_dir().join(format!("{name}.png"));
        match app.screenshot_to(&path).await {
            Ok(()) => eprintln!("screenshot of the failure: {}", path.display()),
            Err(e) => eprintln!("could not save a screenshot: {e}"),
        }
    }
    let data_dir = app.stop().await;
    match outcome {
        Ok(Ok(())) => Ok(data_dir),
        Ok(Err(e)) => Err(e),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Starts the app binary directly (no WebDriver) under its own Xvfb with
/// `VARNA_REPORT_READY=1` on `data_dir`, and returns the first `varna-ready` line it prints
/// (the start-up benchmark's signal), or an error after `timeout`. The app is killed after.
pub fn ready_line(data_dir: &Path, timeout: Duration) -> Result<String, String> {
    use std::io::{BufRead, BufReader};
    let binary = app_binary();
    let (_xvfb, display) = start_xvfb()?;
    let mut cmd = Command::new(&binary);
    cmd.env("DISPLAY", &display)
        .env("VARNA_DATA_DIR", data_dir)
        .env("VARNA_REPORT_READY", "1")
        .env("NO_AT_BRIDGE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut app = GroupChild::spawn(&mut cmd)
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stdout = app.child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.starts_with("varna-ready ") => return Ok(line),
            Ok(_) => continue, // anything else a library may print
            Err(_) => return Err(format!("no varna-ready line within {timeout:?}")),
        }
    }
}
