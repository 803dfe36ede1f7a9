//! Exports `alloc(len) -> ptr` and `dealloc(ptr, len)`, so the host hands params and
//! context over through the guest's own allocator instead of its scratch region.
//!
//! Both entry points echo what they received to stderr:
//!
//! ```text
//! params: {"hello":"world"}
//! params from alloc: true
//! context: {"velocity":100,...}        (execute_with_context only)
//! context from alloc: true             (execute_with_context only)
//! ```
//!
//! `alloc` and `dealloc` say what they were asked for:
//!
//! ```text
//! alloc: 17                            (the host asked for 17 bytes)
//! dealloc: 17                          (a live block of exactly that length was freed)
//! ```
//!
//! `... from alloc: true` means the bytes lie inside a block this plugin's `alloc`
//! returned and `dealloc` has not freed yet. `dealloc` with a length that does not match
//! the allocation prints `dealloc: length mismatch` and leaks the block instead of
//! corrupting the heap.

use std::alloc::Layout;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Live allocations handed out by `alloc`: start address → length.
static LIVE: Mutex<BTreeMap<usize, usize>> = Mutex::new(BTreeMap::new());

/// Zero-length requests still get a real, distinct block of one byte.
fn layout(len: usize) -> Option<Layout> {
    Layout::from_size_align(len.max(1), 1).ok()
}

/// Allocates `len` bytes for the host to write into. Returns 0 if that is impossible.
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let Some(layout) = layout(len) else {
        return std::ptr::null_mut();
    };
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc(layout) };
    if !ptr.is_null() {
        LIVE.lock().unwrap().insert(ptr as usize, len);
    }
    eprintln!("alloc: {len}");
    ptr
}

/// Frees a block returned by `alloc`. Unknown pointers and wrong lengths are reported
/// and ignored.
#[no_mangle]
pub extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    let mut live = LIVE.lock().unwrap();
    match live.get(&(ptr as usize)) {
        Some(&allocated) if allocated == len => {
            live.remove(&(ptr as usize));
            // SAFETY: `ptr` came from `alloc` with this very layout and is still live.
            unsafe { std::alloc::dealloc(ptr, layout(len).expect("layout was valid in alloc")) };
            eprintln!("dealloc: {len}");
        }
        Some(&allocated) => {
            eprintln!("dealloc: length mismatch: allocated {allocated}, freed {len}")
        }
        None => eprintln!("dealloc: unknown pointer {:#x}", ptr as usize),
    }
}

/// Whether `[ptr, ptr + len)` lies inside one live block from `alloc`.
fn from_alloc(ptr: *const u8, len: usize) -> bool {
    let start = ptr as usize;
    let live = LIVE.lock().unwrap();
    live.range(..=start)
        .next_back()
        .is_some_and(|(&block, &block_len)| start + len <= block + block_len.max(1))
}

/// Prints `<what>: <bytes as text>` and where the bytes came from.
fn echo(what: &str, ptr: *const u8, len: usize) {
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    eprintln!("{what}: {}", String::from_utf8_lossy(bytes));
    eprintln!("{what} from alloc: {}", from_alloc(ptr, len));
}

/// Echoes the params.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    echo("params", params_ptr, params_len);
    0
}

/// Echoes the params and the trigger context.
#[no_mangle]
pub extern "C" fn execute_with_context(
    params_ptr: *const u8,
    params_len: usize,
    context_ptr: *const u8,
    context_len: usize,
) -> i32 {
    echo("params", params_ptr, params_len);
    echo("context", context_ptr, context_len);
    0
}
