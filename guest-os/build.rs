fn main() {
    println!("cargo:rerun-if-changed=linker.ld");
}
