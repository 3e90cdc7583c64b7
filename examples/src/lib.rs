//! Runnable examples of the soc SDK live in `examples/examples/`; this
//! library holds the small pieces they share.
