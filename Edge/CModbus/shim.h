// libmodbus, as Debian's libmodbus-dev installs it (pkg-config puts .../include/modbus on the include path).
#include <modbus.h>
#include <errno.h>

// libmodbus reports failures through errno; Swift cannot read the thread-local macro directly.
static inline int cmodbus_errno(void) { return errno; }
