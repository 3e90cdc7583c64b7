//! The pipeline: source → parse → detect → extract → enrich → score → respond.
