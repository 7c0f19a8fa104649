/**
 * The machine qtune runs on and how it uses its cores: the OpenMP runtime's wait policy (set before oneDNN loads),
 * per-thread team sizes, the free-core estimate behind the adaptive team, and the {@link io.qtune.platform.Machine}
 * description that every printed figure carries. Sits below the engine; depends on kernels (the native controls)
 * and the oneDNN preset only.
 */
package io.qtune.platform;
