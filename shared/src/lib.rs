//! sec2-rules' library. The tree shows its shape:
//! - `policy`: the analyzer every rule stands on (pure: what an IAM policy allows, and to whom);
//! - `config`: the AWS Config rule engine (the contract, periodic runs, reporting), pure but for
//!   the seams it is handed;
//! - `rules`: one folder per SEC2 practice, each pure judgement behind a port;
//! - `registry`: the one list of the rules;
//! - `aws`: the seam layer, every call to AWS, one adapter per port;
//! - `reevaluate`: which changes re-run which rules;
//! - `lambda`, `scan`, `fuzzing`: the entry points of the functions, `sec2 scan` and the fuzz
//!   targets, each behind the feature that needs it.

#[cfg(feature = "aws")]
pub mod aws;
pub mod config;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod policy;
pub mod reevaluate;
pub mod registry;
pub mod replay;
pub mod rules;
pub mod sarif;
#[cfg(feature = "scan")]
pub mod scan;
#[cfg(feature = "template")]
pub mod template;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
