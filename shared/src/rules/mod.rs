//! The SEC2 rules' logic: pure judgement over configuration items, with reads behind seams.

pub mod resource_policies;
