// Placeholder so the library links until the registry issue fills it.
namespace pullguard {}
