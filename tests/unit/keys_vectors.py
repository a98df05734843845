# Independent computation of the key vectors (pure Python, RFC 8032 + RFC 7748).
import hashlib
p = 2**255 - 19
d = -121665 * pow(121666, p - 2, p) % p
q = 2**252 + 27742317777372353535851937790883648493
def inv(x): return pow(x, p - 2, p)
def recover_x(y, sign):
    x2 = (y*y - 1) * inv(d*y*y + 1)
    x = pow(x2, (p + 3) // 8, p)
    if (x*x - x2) % p != 0: x = x * pow(2, (p - 1) // 4, p) % p
    if x & 1 != sign: x = p - x
    return x
By = 4 * inv(5) % p
Bx = recover_x(By, 0)
B = (Bx, By, 1, Bx * By % p)
def add(P, Q):
    A = (P[1]-P[0]) * (Q[1]-Q[0]) % p
    Bv = (P[1]+P[0]) * (Q[1]+Q[0]) % p
    C = 2 * P[3] * Q[3] * d % p
    D = 2 * P[2] * Q[2] % p
    E, F, G, H = Bv-A, D-C, D+C, Bv+A
    return (E*F % p, G*H % p, F*G % p, E*H % p)
def mul(s, P):
    Q = (0, 1, 1, 0)
    while s:
        if s & 1: Q = add(Q, P)
        P = add(P, P); s >>= 1
    return Q
def enc(P):
    zi = inv(P[2]); x = P[0]*zi % p; y = P[1]*zi % p
    return int.to_bytes(y | ((x & 1) << 255), 32, 'little'), y
def keypair(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], 'little')
    a &= (1 << 254) - 8; a |= 1 << 254
    pk, y = enc(mul(a, B))
    u = (1 + y) * inv(1 - y) % p
    box_pk = int.to_bytes(u, 32, 'little')
    box_sk = bytearray(h[:32]); box_sk[0] &= 248; box_sk[31] &= 127; box_sk[31] |= 64
    return pk, box_pk, bytes(box_sk), a
def x25519(k, u):
    # RFC 7748 ladder
    k = int.from_bytes(k, 'little'); k &= ~7; k &= ~(128 << 8*31); k |= 64 << 8*31
    x1 = int.from_bytes(u, 'little') % p
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        kt = (k >> t) & 1
        swap ^= kt
        if swap: x2, x3 = x3, x2; z2, z3 = z3, z2
        swap = kt
        A = x2 + z2; AA = A*A; Bq = x2 - z2; BB = Bq*Bq; E = AA - BB
        C = x3 + z3; D = x3 - z3; DA = D*A; CB = C*Bq
        x3 = (DA + CB)**2 % p; z3 = x1 * (DA - CB)**2 % p
        x2 = AA * BB % p; z2 = E * (AA + 121665 * E) % p
    if swap: x2, x3 = x3, x2; z2, z3 = z3, z2
    return int.to_bytes(x2 * inv(z2) % p, 32, 'little')
def keyid(pk): return hashlib.blake2b(b"jaring/keyid/v2\0" + pk, digest_size=16).digest()
def crock(idb, n):
    al = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    bits = int.from_bytes(idb, 'big') << 2  # 130 bits
    s = ""
    for i in range(n):
        if i and i % 4 == 0: s += "-"
        s += al[(bits >> (130 - 5*(i+1))) & 31]
    return s
for name, seed in [("seq00", bytes(range(32))), ("seq20", bytes(range(0x20, 0x40)))]:
    pk, bpk, bsk, a = keypair(seed)
    assert x25519(bsk, int.to_bytes(9, 32, 'little')) == bpk
    i = keyid(pk)
    print(name, "sign_pk", pk.hex()); print(name, "box_pk ", bpk.hex()); print(name, "keyid  ", i.hex())
    print(name, "short", crock(i, 8), "fp", crock(i, 26))
# epoch key for the seal worked example: c = seed 20..3f, e_sk = 40..5f
_, cpk, csk, _ = keypair(bytes(range(0x20, 0x40)))
esk = bytes(range(0x40, 0x60))
epk = x25519(esk, int.to_bytes(9, 32, 'little'))
s = x25519(esk, cpk)
assert s == x25519(csk, epk)
print("seal e_pk", epk.hex())
print("seal K   ", hashlib.blake2b(b"jaring/epoch/v2\0" + s + epk + cpk, digest_size=32).digest().hex())
# jr_hash_labelled vectors
print("lab1", hashlib.blake2b(b"jaring/test/v1\0", digest_size=32).hexdigest())
print("lab2", hashlib.blake2b(b"jaring/test/v1\0abc", digest_size=16).hexdigest())
print("lab3", hashlib.blake2b(b"x\0" + bytes(range(100)), digest_size=64).hexdigest())
print("fp00", crock(bytes(16), 26), "fpff", crock(b"\xff"*16, 26))
