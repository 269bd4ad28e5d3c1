use std::fmt;

use serde::{Deserialize, Serialize};

/// A measurement's, metric's or run's phase (`AnalysisPhase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    Pending,
    Running,
    Successful,
    Failed,
    Error,
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
