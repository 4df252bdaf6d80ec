//! Running a batch: one [`TaskFlow`](di_proto::flow::TaskFlow) per task, `--jobs` at a time,
//! on the blocking client; an interrupt stops new tasks and cuts the running ones short at
//! their next step boundary.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use di_proto::flow::TaskReport;
use di_ureq::{Client, Interrupt};

use crate::plan::Plan;

/// Carries out `plan` on every id in `file_ids`, `jobs` at a time, from a shared queue; calls
/// `on_report` on the calling thread as each task ends, and returns every report in the order
/// they ended. Once `interrupt` is triggered, no task starts: those left are reported
/// [`di_proto::flow::TaskOutcome::NotStarted`], last, in the order of `file_ids`.
pub(crate) fn run_batch(
    client: &Client,
    plan: &Plan,
    project_id: i64,
    file_ids: &[i64],
    jobs: usize,
    interrupt: &Interrupt,
    mut on_report: impl FnMut(&TaskReport),
) -> Vec<TaskReport> {
    let next = AtomicUsize::new(0);
    let workers = jobs.clamp(1, file_ids.len().max(1));
    let (sender, receiver) = mpsc::channel();
    let mut reports = Vec::with_capacity(file_ids.len());
    let retry = client.config().retry_policy();
    let mut started = vec![false; file_ids.len()];
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                while !interrupt.is_triggered() {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&file_id) = file_ids.get(index) else {
                        break;
                    };
                    let span = tracing::info_span!("task", project_id, file_id);
                    let _entered = span.enter();
                    let flow = plan.flow(project_id, file_id, retry);
                    let report = client.run_with(flow, interrupt, |_| {});
                    if sender.send((index, report)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for (index, report) in receiver {
            if let Some(flag) = started.get_mut(index) {
                *flag = true;
            }
            on_report(&report);
            reports.push(report);
        }
    });
    for (&file_id, _) in file_ids
        .iter()
        .zip(&started)
        .filter(|(_, started)| !**started)
    {
        let report = TaskReport::not_started(project_id, file_id);
        on_report(&report);
        reports.push(report);
    }
    reports
}
