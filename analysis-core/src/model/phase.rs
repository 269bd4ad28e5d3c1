use std::fmt;

use serde::{Deserialize, Serialize};

/// A measurement's, metric's or run's phase (`AnalysisPhase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// Not started (a metric waiting for its first measurement).
    Pending,
    /// In progress.
    Running,
    /// Completed well.
    Successful,
    /// Completed badly: the failure condition or limit decided it.
    Failed,
    /// Completed because measuring kept failing (or the spec is invalid).
    Error,
    /// Completed without a verdict either way.
    Inconclusive,
}

impl Phase {
    /// Successful, Failed, Error and Inconclusive are final.
    pub fn is_completed(self) -> bool {
        matches!(
            self,
            Phase::Successful | Phase::Failed | Phase::Error | Phase::Inconclusive
        )
    }

    /// Argo's run severity order, best to worst:
    /// Successful < Running < Pending < Inconclusive < Error < Failed (semantics §4.4).
    pub fn severity(self) -> u8 {
        match self {
            Phase::Successful => 0,
            Phase::Running => 1,
            Phase::Pending => 2,
            Phase::Inconclusive => 3,
            Phase::Error => 4,
            Phase::Failed => 5,
        }
    }

    /// The phase as Argo writes it (`Successful`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Successful => "Successful",
            Phase::Failed => "Failed",
            Phase::Error => "Error",
            Phase::Inconclusive => "Inconclusive",
        }
    }

    /// Reads a phase as Argo writes it; `None` for anything else.
    pub fn parse(s: &str) -> Option<Phase> {
        Some(match s {
            "Pending" => Phase::Pending,
            "Running" => Phase::Running,
            "Successful" => Phase::Successful,
            "Failed" => Phase::Failed,
            "Error" => Phase::Error,
            "Inconclusive" => Phase::Inconclusive,
            _ => return None,
        })
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
