/** A service that embeds qtune on the module path: it reads only what io.qtune exports (ModulePathTest compiles it). */
module example.service {
    requires io.qtune;
}
