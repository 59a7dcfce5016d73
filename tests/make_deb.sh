#!/usr/bin/env bash
# make_deb.sh BUILD VERSION - build BUILD/station_VERSION_ARCH.deb with
# dpkg-deb: `make install` into a staging root under /usr, a DEBIAN/control
# whose Depends dpkg-shlibdeps computes from the binary's shared libraries.
set -eu
build=$1
version=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
arch=$(dpkg --print-architecture)
stage="$top/$build/deb"
rm -rf "$stage"
mkdir -p "$stage/root/DEBIAN" "$stage/src/debian"
make --no-print-directory install BUILD="$build" DESTDIR="$stage/root" PREFIX=/usr >/dev/null
# dpkg-shlibdeps wants a source tree with debian/control
printf 'Source: station\n\nPackage: station\nArchitecture: any\n' >"$stage/src/debian/control"
deps=$(cd "$stage/src" && dpkg-shlibdeps -O "$stage/root/usr/bin/station" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
# the libraries the station loads on first use (station/core/lazy.h) are
# not in the binary's NEEDED list: their packages are added by soname
for so in libpq.so.5 libportaudio.so.2 libsndfile.so.1 libjack.so.0; do
	pkg=$(dpkg -S "*/$so" 2>/dev/null | head -1 | sed 's/[:,].*//')
	[ -n "$pkg" ] && deps="$deps, $pkg"
done
size=$(du -sk "$stage/root" | cut -f1)
cat >"$stage/root/DEBIAN/control" <<CTL
Package: station
Version: $version
Architecture: $arch
Maintainer: Headset test station developers <station@localhost>
Installed-Size: $size
Depends: $deps
Recommends: jackd2, postgresql-client
Section: electronics
Priority: optional
Description: test station for Sony wireless headphones and earbuds
 Runs each headset through its model's scripted resets by pressing its
 controls through a relay fixture, measures ANC attenuation and microphone
 alignment with swept sines, judges against limit files and stores every
 run in SQLite. Includes the operator console, the simulated bench, fleet
 sync to PostgreSQL and station doctor.
CTL
out="$top/$build/station_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage/root" "$out" >/dev/null
echo "$out"
