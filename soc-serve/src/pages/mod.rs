//! The HTML pages, one module each, rendered on the server with maud
//! (compile-time checked, escaping every interpolated value).

pub(crate) mod alert;
pub(crate) mod blocks;
pub(crate) mod health;
pub(crate) mod inbox;
pub(crate) mod layout;
pub(crate) mod login;
pub(crate) mod overview;
pub(crate) mod usage;
