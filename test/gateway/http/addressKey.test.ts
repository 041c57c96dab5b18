import { expect } from "chai";
import { addressKey } from "../../../gateway/src/http/addressKey";

describe("gateway/http addressKey", () => {
  it("keys IPv4 per address, also when IPv4-mapped", () => {
    expect(addressKey("203.0.113.9")).to.equal("203.0.113.9");
    expect(addressKey("::ffff:203.0.113.9")).to.equal("203.0.113.9");
    expect(addressKey("::FFFF:203.0.113.9")).to.equal("203.0.113.9");
  });

  it("keys IPv6 per /64, so a host cannot rotate through its prefix to dodge the limit", () => {
    expect(addressKey("2001:db8:1:2::1")).to.equal("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).to.equal("2001:db8:1:2::/64");
    expect(addressKey("2001:0DB8:0001:0002:0:0:0:7")).to.equal("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:3::1")).to.not.equal(addressKey("2001:db8:1:2::1"));
    expect(addressKey("::1")).to.equal("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).to.equal("fe80:0:0:0::/64");
  });

  it("uses anything else as it is", () => {
    expect(addressKey("unknown")).to.equal("unknown");
  });
});
