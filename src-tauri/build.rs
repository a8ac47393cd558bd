fn main() {
    // Declaring the app's own commands in an app manifest makes Tauri's ACL check them:
    // a command is callable from the webview only if a capability grants `allow-<command>`.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_info",
            "audit_list",
            "audit_verify",
            "audit_status",
            "retention_get",
            "retention_set",
            "retention_preview",
            "retention_run",
            "backup_write",
            "auto_lock_set",
            "setup_first_run",
            "unlock",
            "unlock_recovery",
            "lock",
            "quit",
            "instruments_list",
            "my_screenings",
            "screening_start",
            "screening_get",
            "answer_save",
            "note_save",
            "position_save",
            "screening_complete",
            "screening_discard",
            "addendum_add",
            "statistics_get",
            "export_write",
            "export_import",
            "settings_threshold_set",
            "review_queue",
            "review_get",
            "review_state",
            "review_comment",
            "review_decide",
            "review_resubmit",
        ]),
    ))
    .expect("failed to run tauri-build");
}
