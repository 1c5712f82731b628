#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sec2_shared::fuzzing::template(data);
});
