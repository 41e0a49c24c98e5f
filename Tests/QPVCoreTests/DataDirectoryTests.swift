// Unit test of `DataDirectory.resolve`: explicit path, QPV_DATA_DIR, XDG_DATA_HOME, then the home default.

import Foundation
import QPVCore
import Testing

@Suite struct DataDirectoryTests {
    @Test func resolutionOrder() {
        let env = ["QPV_DATA_DIR": "/env/dir", "XDG_DATA_HOME": "/xdg", "HOME": "/home/u"]
        #expect(DataDirectory.resolve(explicit: "/x", environment: env).url.path == "/x")
        #expect(DataDirectory.resolve(explicit: nil, environment: env).url.path == "/env/dir")
        #expect(DataDirectory.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "/xdg", "HOME": "/h"]).url.path == "/xdg/qpv")
        #expect(DataDirectory.resolve(explicit: nil, environment: ["HOME": "/h"]).url.path == "/h/.local/share/qpv")
    }
}
