// libmosquitto, as Debian's libmosquitto-dev installs it.
#include <mosquitto.h>
