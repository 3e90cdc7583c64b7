//! IOC extraction: finds indicators in free text, defang-aware.
