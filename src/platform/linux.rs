//! Linux platform readers (sysfs).
